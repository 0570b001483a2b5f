import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStoreUnavailable } from '../../platform/db';
import { BodyTooLargeError, drain, readBody } from '../../platform/http-body';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import { normalisePlate } from '../../platform/plates';
import type { HttpRoute } from '../../platform/subgraph-server';
import { PUSH_PATH } from '../../vendors/carsys/paths';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyPushSignature } from '../../vendors/carsys/signature';
import type { CarsysPushError } from '../../vendors/carsys/types';
import { validateWorkOrderPush } from '../../vendors/carsys/validate';
import type { CarsysWorkOrderStore } from './carsys-store';

export interface CarsysPushReceiverOptions {
  store: CarsysWorkOrderStore;
  /** dealer id → accepted secrets (several while rotating) */
  dealerSecrets: Record<string, string[]>;
  replayWindowS: number;
  maxBodyBytes: number;
  log: Logger;
  nowS?: () => number;
  /**
   * Called with the pushed plate (normalised) after a push that changed stored data (created or updated),
   * before the answer: the cached vendor reads of that plate are dropped (platform/vendor-cache.ts). Never
   * throws; a failure leaves the cache to its TTL.
   */
  onVehicleChanged?: (plate: string) => Promise<void>;
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function reply(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/**
 * `POST /carsys/dealers/{dealerId}/work-orders` on the Customer subgraph process. Order of checks:
 * dealer known → JSON media type → size → HMAC signature and timestamp (before the body is even parsed,
 * so unauthenticated callers cost us one hash) → schema (400 listing every bad field) → one idempotent
 * upsert transaction → answer. Nothing slow happens in between, so the DMS gets its answer in milliseconds.
 */
export function createCarsysPushReceiver(opts: CarsysPushReceiverOptions): HttpRoute {
  const { store, dealerSecrets, replayWindowS, maxBodyBytes, log } = opts;
  const refuse = (res: ServerResponse, status: number, error: CarsysPushError['error'], message: string, extra: Partial<CarsysPushError> = {}) => {
    count(`carsys.push.refused.${error}`);
    reply(res, status, { error, message, ...extra } satisfies CarsysPushError);
  };

  return async (req, res, url) => {
    const m = PUSH_PATH.exec(url.pathname);
    if (!m) return false;
    const dealerId = m[1]!;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'method_not_allowed', message: 'use POST' }));
      return true;
    }
    const secrets = dealerSecrets[dealerId];
    if (!secrets?.length) {
      drain(req);
      refuse(res, 404, 'unknown_dealer', `no dealer ${dealerId} is configured to push`);
      return true;
    }
    if (!/^application\/json\b/i.test(header(req, 'content-type') ?? '')) {
      drain(req);
      refuse(res, 415, 'unsupported_media_type', 'send the work order as application/json');
      return true;
    }
    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      refuse(res, 413, 'too_large', `body larger than ${maxBodyBytes} bytes`);
      return true;
    }
    const check = verifyPushSignature({
      secrets,
      timestampHeader: header(req, TIMESTAMP_HEADER),
      signatureHeader: header(req, SIGNATURE_HEADER),
      rawBody: body,
      replayWindowS,
      nowS: opts.nowS?.(),
    });
    if (!check.ok) {
      log.warn('carsys push refused', { dealerId, reason: check.reason });
      refuse(res, 401, check.reason === 'stale' ? 'stale_timestamp' : 'invalid_signature', check.message);
      return true;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      refuse(res, 400, 'invalid_body', 'body is not valid JSON', { fields: [{ field: '(body)', problem: 'not valid JSON' }] });
      return true;
    }
    const valid = validateWorkOrderPush(parsed);
    if (!valid.ok) {
      log.info('carsys push invalid', { dealerId, fields: valid.fields.map((f) => f.field) });
      refuse(res, 400, 'invalid_body', `${valid.fields.length} invalid field(s): ${valid.fields.map((f) => f.field).join(', ')}`, { fields: valid.fields });
      return true;
    }
    let ack: Awaited<ReturnType<CarsysWorkOrderStore['save']>>;
    try {
      ack = await store.save(dealerId, valid.push);
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      // not stored, so not acknowledged: the DMS pushes it again (the upsert makes a repeat harmless)
      log.warn('carsys push not stored; the database is unavailable', { dealerId });
      res.setHeader('retry-after', '5');
      refuse(res, 503, 'store_unavailable', 'the push could not be stored just now; push it again');
      return true;
    }
    count(`carsys.push.${ack.status}`);
    if (opts.onVehicleChanged && (ack.status === 'created' || ack.status === 'updated')) await opts.onVehicleChanged(normalisePlate(valid.push.vehicle.plate));
    reply(res, ack.status === 'created' ? 201 : 200, ack);
    return true;
  };
}
