import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import { count } from '../../platform/metrics';
import { errorResponse } from '../error-response';

export interface BodyLimitOptions {
  /** largest JSON (non-multipart) body */
  maxBodyBytes: number;
  /** largest multipart body, every part together */
  maxUploadBodyBytes: number;
  /** largest single file */
  maxFileBytes: number;
  maxFiles: number;
  /** multipart requests read at once by this instance */
  maxConcurrentUploads: number;
  graphqlEndpoint?: string;
}


// By shape: the server adapter's File is not always the global Blob class.
const isFile = (v: object): v is { size: number } => typeof (v as { size?: unknown }).size === 'number' && typeof (v as { arrayBuffer?: unknown }).arrayBuffer === 'function';

/** Every file in the variables the multipart request spec filled in. */
function filesIn(value: unknown, out: { size: number }[] = [], depth = 0): { size: number }[] {
  if (depth > 20 || value === null || typeof value !== 'object') return out;
  if (isFile(value)) out.push(value);
  else if (Array.isArray(value)) for (const v of value) filesIn(v, out, depth + 1);
  else for (const v of Object.values(value)) filesIn(v, out, depth + 1);
  return out;
}

/**
 * Bounds what one request may make the gateway hold, before it is read: the declared body size (a body
 * with no Content-Length is refused with 411, so the check cannot be sidestepped by chunked encoding — Node
 * stops reading at the declared length), and how many multipart requests are read at once (503 with
 * Retry-After beyond that). Once the multipart request is parsed, the number and size of its files are
 * checked before anything is planned or sent to a subgraph. Refusals are BAD_USER_INPUT (413/411) or
 * RATE_LIMITED (503) with a message that says what to change.
 */
export function useBodyLimits(opts: BodyLimitOptions): GatewayPlugin {
  const endpoint = opts.graphqlEndpoint ?? '/graphql';
  let activeUploads = 0;
  const uploads = new WeakSet<Request>();

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || request.method !== 'POST') return;
      const multipart = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('multipart/form-data');
      const limit = multipart ? opts.maxUploadBodyBytes : opts.maxBodyBytes;
      const refuse = (status: number, message: string, extensions: { code: string } & Record<string, unknown>, headers: Record<string, string> = {}) => {
        count(`gateway.limits.body.${status}`);
        endResponse(errorResponse(fetchAPI, status, message, extensions, headers));
      };
      const declared = request.headers.get('content-length');
      if (declared === null) return refuse(411, 'Send the request body with a Content-Length header.', { code: ErrorCode.BAD_USER_INPUT });
      const length = Number(declared);
      if (!Number.isSafeInteger(length) || length < 0) return refuse(400, 'Content-Length is not a byte count.', { code: ErrorCode.BAD_USER_INPUT });
      if (length > limit) {
        return refuse(413, `The request body is ${length} bytes; at most ${limit} bytes are accepted${multipart ? ' for an upload' : ''}.`, { code: ErrorCode.BAD_USER_INPUT, maxBytes: limit });
      }
      if (!multipart) return;
      if (activeUploads >= opts.maxConcurrentUploads) {
        return refuse(503, 'Too many uploads in progress; retry in a moment.', { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: 2 }, { 'retry-after': '2' });
      }
      activeUploads++;
      uploads.add(request);
    },

    onResponse({ request }) {
      if (uploads.has(request)) {
        uploads.delete(request);
        activeUploads--;
      }
    },

    onParams({ params }) {
      const files = filesIn(params.variables);
      if (!files.length) return;
      if (files.length > opts.maxFiles) {
        count('gateway.limits.upload.files');
        throw new GraphQLError(`The request carries ${files.length} files; at most ${opts.maxFiles} per request are accepted.`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT, maxFiles: opts.maxFiles, http: { status: 413 } },
        });
      }
      const big = files.find((f) => f.size > opts.maxFileBytes);
      if (big) {
        count('gateway.limits.upload.size');
        throw new GraphQLError(`An uploaded file is ${big.size} bytes; at most ${opts.maxFileBytes} bytes per file are accepted.`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT, maxFileBytes: opts.maxFileBytes, http: { status: 413 } },
        });
      }
    },
  };
}
