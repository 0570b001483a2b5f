import { localUrl } from '../../../platform/config';
import { bootstrap, fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { startVitecSandbox } from './server';

const { config, log } = bootstrap('vitec-sandbox', process.env);
try {
  const sandbox = await startVitecSandbox({
    port: config.VITEC_SANDBOX_PORT, host: config.BIND_ADDRESS,
    faults: sandboxFaultsFromConfig(config),
    orderUrl: config.VITEC_ORDER_CALLBACK_URL ?? localUrl(config.ORDER_PORT, '/vitec/order'),
    connect: { username: config.VITEC_USERNAME, password: config.VITEC_PASSWORD },
    intake: { username: config.VITEC_INTAKE_USERNAME, password: config.VITEC_INTAKE_PASSWORD },
  });
  log.info('Vitec Express Connect sandbox listening', { url: sandbox.url });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
