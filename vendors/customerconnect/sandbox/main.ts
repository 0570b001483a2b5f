import { bootstrap, fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { startCustomerConnectSandbox } from './server';

const { config, log } = bootstrap('customerconnect-sandbox', process.env);
try {
  const sandbox = await startCustomerConnectSandbox({ port: config.CUSTOMERCONNECT_SANDBOX_PORT, host: config.BIND_ADDRESS, faults: sandboxFaultsFromConfig(config) });
  log.info('CustomerConnect sandbox listening', { url: sandbox.url });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
