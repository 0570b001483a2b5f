import { localUrl } from '../../../platform/config';
import { bootstrap, fatal, onShutdown } from '../../../platform/process';
import { sandboxFaultsFromConfig } from '../../../platform/sandbox/faults-from-config';
import { pushPathOf } from '../paths';
import { startCarsysSandbox } from './server';

const { config, log } = bootstrap('carsys-sandbox', process.env);
try {
  const dealerId = config.CARSYS_SANDBOX_DEALER;
  const secret = config.CARSYS_DEALER_SECRETS[dealerId]?.[0];
  if (!secret) throw new Error(`CARSYS_DEALER_SECRETS has no secret for the sandbox dealer ${dealerId} (CARSYS_SANDBOX_DEALER)`);
  // The receiver is the Customer subgraph's push route unless told otherwise.
  const receiverUrl = config.CARSYS_PUSH_RECEIVER_URL ?? localUrl(config.CUSTOMER_PORT, pushPathOf(dealerId));
  const sandbox = await startCarsysSandbox({ port: config.CARSYS_SANDBOX_PORT, host: config.BIND_ADDRESS, receiverUrl, dealerId, secret, faults: sandboxFaultsFromConfig(config) });
  log.info('Carsys sandbox listening; POST /__sandbox/push to make it push work orders', { url: sandbox.url, receiverUrl, dealerId });
  onShutdown(log, () => sandbox.close());
} catch (err) {
  fatal(log, err);
}
