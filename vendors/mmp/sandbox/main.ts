import { bootstrap, fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { mmpAdherentRoutes } from './adherents-routes';
import { startMmpSandbox } from './server';

const { config, log } = bootstrap('mmp-sandbox', process.env);
try {
  const sandbox = await startMmpSandbox({ port: config.MMP_SANDBOX_PORT, host: config.BIND_ADDRESS, faults: sandboxFaultsFromConfig(config), extraRoutes: mmpAdherentRoutes });
  log.info('MMP Vision 360 sandbox listening', { url: sandbox.url });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
