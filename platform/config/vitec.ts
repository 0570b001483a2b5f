import { z } from 'zod';
import { bool, envVar, positiveInt, url } from './define';

/** One Vitec customer (office) enabled for our service and the way Vitec authenticates its order call for it. */
export interface VitecCustomerMode {
  customerId: string;
  authMode: 'token' | 'basic' | 'none';
}

const customerModes = z
  .string()
  .default('M123:token,M124:basic,M125:none,M200:token')
  .transform((s, ctx) => {
    const out: VitecCustomerMode[] = [];
    for (const part of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      const m = /^([A-Za-z0-9_-]+):(token|basic|none)$/.exec(part);
      if (!m) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected customerId:token|basic|none, got ${JSON.stringify(part)}` });
        continue;
      }
      out.push({ customerId: m[1]!, authMode: m[2] as VitecCustomerMode['authMode'] });
    }
    return out;
  });

/**
 * Vitec Express Connect and the Order service. Defaults are the Vitec sandbox's own test values;
 * a real environment sets the credentials from its secret store.
 */
export const vitecEnv = {
  VITEC_BASE_URL: envVar(url(), 'Vitec Express Connect origin. Unset: the local sandbox on VITEC_SANDBOX_PORT'),
  VITEC_USERNAME: envVar(z.string().min(1).default('switchboard'), 'Connect user name (HTTP Basic on every Connect call)'),
  VITEC_PASSWORD: envVar(z.string().min(1).default('sandbox-connect-password'), 'Connect password (HTTP Basic on every Connect call)', true),
  VITEC_CUSTOMERS: envVar(customerModes, 'Vitec customers (offices) allowed to order and how Vitec authenticates their order call: customerId:token|basic|none, comma separated'),
  VITEC_INTAKE_USERNAME: envVar(z.string().min(1).default('vitec'), 'User name Vitec sends (HTTP Basic) when opening the order URL for a basic-auth customer'),
  VITEC_INTAKE_PASSWORD: envVar(z.string().min(1).default('sandbox-intake-password'), 'Password Vitec sends (HTTP Basic) when opening the order URL for a basic-auth customer', true),
  VITEC_ORDER_CALLBACK_URL: envVar(url(), 'Order URL registered with Vitec (the sandbox opens it to place orders). Unset: http://127.0.0.1:ORDER_PORT/vitec/order'),
  VITEC_AUTO_ACKNOWLEDGE: envVar(bool(true), 'Send OrderReceived to Vitec as soon as an order is verified (false: the partner calls acknowledgeOrder)'),
  ORDER_JOB_LEASE_MS: envVar(positiveInt(30_000), 'How long one Order instance holds an order-processing job before another instance may take it over'),
  ORDER_JOB_POLL_MS: envVar(positiveInt(1_000), 'How often the Order service looks for pending order-processing jobs'),
  ORDER_EVENTS_CHANNEL: envVar(z.string().min(1).default('switchboard:order-events'), 'Redis pub/sub channel of order status events (one per deployment sharing a Redis)'),
  ORDER_EVENT_REPLAY_HOURS: envVar(positiveInt(72), 'How far back a reconnecting subscriber (afterEventId) is replayed missed order events'),
};
