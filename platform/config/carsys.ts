import { z } from 'zod';
import { envVar, positiveInt, url } from './define';

/**
 * Carsys pushes work orders to us (no pull API). Each dealer signs its pushes with its own secret.
 * `CARSYS_DEALER_SECRETS` is `dealer:secret` pairs, comma separated; a dealer may appear twice while a
 * secret is rotated (either secret is accepted). The default is the sandbox dealer's test secret only.
 */
const dealerSecrets = z
  .string()
  .default('sandbox-dealer:sandbox-dealer-secret')
  .transform((s, ctx) => {
    const out: Record<string, string[]> = {};
    for (const pair of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      const i = pair.indexOf(':');
      const dealer = i > 0 ? pair.slice(0, i) : '';
      const secret = i > 0 ? pair.slice(i + 1) : '';
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(dealer) || secret.length < 16) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected dealer:secret pairs (dealer id of letters, digits, - or _; secret of at least 16 characters)' });
        return z.NEVER;
      }
      (out[dealer] ??= []).push(secret);
    }
    return out;
  });

export const carsysEnv = {
  CARSYS_DEALER_SECRETS: envVar(dealerSecrets, 'Carsys push HMAC secrets, dealer:secret pairs comma separated (a dealer listed twice accepts both secrets while rotating). Default: the sandbox dealer only', true),
  CARSYS_PUSH_REPLAY_WINDOW_S: envVar(positiveInt(300), 'A Carsys push whose X-Carsys-Timestamp is further than this many seconds from our clock is refused (replay protection)'),
  CARSYS_PUSH_MAX_BYTES: envVar(positiveInt(256 * 1024), 'Largest accepted Carsys push body, in bytes'),
  CARSYS_PUSH_RECEIVER_URL: envVar(url(), 'Where the Carsys sandbox pushes work orders. Unset: http://127.0.0.1:CUSTOMER_PORT/carsys/dealers/CARSYS_SANDBOX_DEALER/work-orders'),
  CARSYS_SANDBOX_DEALER: envVar(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a dealer id of letters, digits, - or _').default('sandbox-dealer'), 'Dealer id the Carsys sandbox pushes as (its secret is taken from CARSYS_DEALER_SECRETS)'),
};
