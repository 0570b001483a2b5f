import { loadConfig } from '../../../platform/config';
import { createLogger } from '../../../platform/logger';
import { fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { mmpAdherentRoutes } from './adherents-routes';
import { startMmpSandbox } from './server';

const log = createLogger({ service: 'mmp-sandbox' });
try {
  const config = loadConfig(process.env);
  const sandbox = await startMmpSandbox({ port: config.MMP_SANDBOX_PORT, faults: sandboxFaultsFromConfig(config), extraRoutes: mmpAdherentRoutes });
  log.info('MMP Vision 360 sandbox listening', { url: sandbox.url });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
