import { bootstrap, fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { startOzmapSandbox } from './server';

const { config, log } = bootstrap('ozmap-sandbox', process.env);
try {
  const sandbox = await startOzmapSandbox({
    port: config.OZMAP_SANDBOX_PORT, host: config.BIND_ADDRESS,
    faults: sandboxFaultsFromConfig(config),
    apiKey: config.OZMAP_API_KEY,
    defaultRadius: config.OZMAP_SANDBOX_DEFAULT_RADIUS_M,
  });
  log.info('OZmap sandbox listening', { url: `${sandbox.url}/api/v2`, ...sandbox.data.counts(), defaultRadiusM: sandbox.data.defaultRadius });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
