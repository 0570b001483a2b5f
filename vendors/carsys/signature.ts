import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Push authentication (ours; see README.md). The dealer signs `<timestamp>.<raw body>` with HMAC-SHA256
 * under its own secret and sends
 *   X-Carsys-Timestamp: <unix seconds>
 *   X-Carsys-Signature: v1=<lower-case hex digest>
 * Binding the timestamp into the MAC stops an old capture being replayed with a fresh timestamp; the
 * receiver refuses timestamps outside its replay window. Within the window a replay is harmless because
 * storing is idempotent (same modifiedAt → duplicate).
 */
export const TIMESTAMP_HEADER = 'x-carsys-timestamp';
export const SIGNATURE_HEADER = 'x-carsys-signature';

export function signPush(secret: string, timestamp: number, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `v1=${mac.digest('hex')}`;
}

/** The two headers a dealer sends with `rawBody`. */
export function signedPushHeaders(secret: string, rawBody: string | Buffer, nowS = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { [TIMESTAMP_HEADER]: String(nowS), [SIGNATURE_HEADER]: signPush(secret, nowS, rawBody) };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch'; message: string };

/** Constant-time check against every accepted secret of the dealer (several while a secret is rotated). */
export function verifyPushSignature(opts: {
  secrets: string[];
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  rawBody: Buffer;
  replayWindowS: number;
  nowS?: number;
}): SignatureCheck {
  const { secrets, timestampHeader, signatureHeader, rawBody, replayWindowS } = opts;
  if (!timestampHeader || !signatureHeader) return { ok: false, reason: 'missing', message: `${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} headers are required` };
  if (!/^\d{9,11}$/.test(timestampHeader)) return { ok: false, reason: 'malformed', message: `${TIMESTAMP_HEADER} must be unix seconds` };
  const m = /^v1=([0-9a-f]{64})$/.exec(signatureHeader.trim());
  if (!m) return { ok: false, reason: 'malformed', message: `${SIGNATURE_HEADER} must be v1=<64 hex digits>` };
  const ts = Number(timestampHeader);
  const now = opts.nowS ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > replayWindowS) return { ok: false, reason: 'stale', message: `timestamp is more than ${replayWindowS} s away from the receiver's clock` };
  const given = Buffer.from(m[1]!, 'hex');
  const match = secrets.some((secret) => {
    const expected = Buffer.from(signPush(secret, ts, rawBody).slice(3), 'hex');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return match ? { ok: true } : { ok: false, reason: 'mismatch', message: 'signature does not match the body' };
}
