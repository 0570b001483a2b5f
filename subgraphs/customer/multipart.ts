import type { IncomingMessage } from 'node:http';
import { graphql, type GraphQLSchema } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { BodyTooLargeError, readBody } from '../../platform/http-body';
import type { Logger } from '../../platform/logger';
import { formatSubgraphError, sendJson, type HttpRoute } from '../../platform/subgraph-server';

/**
 * The GraphQL multipart request spec on this subgraph (`POST /graphql`, multipart/form-data with
 * `operations`, `map` and one part per file), which Apollo Server 5 does not read itself. The gateway
 * (Hive, `multipart: true`) forwards uploads this way. The body is read with a hard limit — the largest
 * accepted file plus room for the other parts — so an oversized upload is refused without being buffered;
 * the resolver then checks the exact file size, signature and entries before any vendor call.
 */
export interface MultipartOptions<C> {
  schema: GraphQLSchema;
  context: (req: IncomingMessage) => Promise<C> | C;
  maxBodyBytes: number;
  log: Logger;
  path?: string;
}

const gqlError = (message: string) => ({ errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT } }] });

function setPath(target: Record<string, unknown>, path: string, value: unknown): boolean {
  const keys = path.split('.');
  let node: unknown = target;
  for (const k of keys.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<string, unknown>)[k];
  }
  const last = keys.at(-1)!;
  if (node === null || typeof node !== 'object' || !(last in (node as object)) || ['__proto__', 'constructor', 'prototype'].includes(last)) return false;
  (node as Record<string, unknown>)[last] = value;
  return true;
}

export function createMultipartGraphQLRoute<C>(opts: MultipartOptions<C>): HttpRoute {
  const format = formatSubgraphError(opts.log);
  return async (req, res, url) => {
    if (url.pathname !== (opts.path ?? '/graphql') || req.method !== 'POST') return false;
    const type = String(req.headers['content-type'] ?? '');
    if (!type.toLowerCase().startsWith('multipart/form-data')) return false;

    let body: Buffer;
    try {
      body = await readBody(req, opts.maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      sendJson(res, 413, gqlError(`upload larger than ${opts.maxBodyBytes} bytes; nothing was sent upstream`));
      return true;
    }
    let form: FormData;
    try {
      form = await new Request('http://subgraph/graphql', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) }).formData();
    } catch {
      sendJson(res, 400, gqlError('malformed multipart body'));
      return true;
    }
    let operations: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
    let map: Record<string, string[]>;
    try {
      operations = JSON.parse(String(form.get('operations') ?? ''));
      map = JSON.parse(String(form.get('map') ?? '{}'));
    } catch {
      sendJson(res, 400, gqlError('multipart `operations` and `map` must be JSON (GraphQL multipart request spec)'));
      return true;
    }
    if (Array.isArray(operations) || typeof operations?.query !== 'string') {
      sendJson(res, 400, gqlError('multipart `operations` must be one operation object with a query (batches are not accepted)'));
      return true;
    }
    for (const [part, paths] of Object.entries(map ?? {})) {
      const file = form.get(part);
      if (!(file instanceof Blob) || !Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && setPath(operations as Record<string, unknown>, p, file))) {
        sendJson(res, 400, gqlError(`multipart map entry ${JSON.stringify(part)} does not match a file part and a null variable`));
        return true;
      }
    }
    const result = await graphql({
      schema: opts.schema,
      source: operations.query,
      variableValues: operations.variables ?? {},
      operationName: operations.operationName,
      contextValue: await opts.context(req),
    });
    sendJson(res, 200, { ...result, errors: result.errors?.map((e) => format(e.toJSON(), e)) });
    return true;
  };
}
