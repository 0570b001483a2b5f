import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';

/** The body is larger than the route accepts: answer 413 (the caller picks the body and code of the answer). */
export class BodyTooLargeError extends Error {
  readonly status = 413;
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The body could not be read whole (the client went away, or sent fewer bytes than its Content-Length). */
export class BodyReadError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = 'BodyReadError';
  }
}

export interface ReadBodyOptions {
  /** the most bytes buffered; a declared Content-Length above it is refused before anything is read */
  limit: number;
  /**
   * After a refusal, how many more bytes are read and dropped so the client can still read the 413 (a client
   * that keeps sending past this has its connection closed). Default: `limit`, at least 64 KiB.
   */
  drainBytes?: number;
}

/**
 * The one reader of request bodies on our node:http servers (subgraph server, its extra routes such as the
 * Carsys push receiver and multipart uploads, and the vendor sandboxes). `raw-body` reads with a hard limit
 * (and checks the declared Content-Length against it first); nothing past `limit` is buffered.
 */
export async function readBody(req: IncomingMessage, opts: ReadBodyOptions | number): Promise<Buffer> {
  const { limit, drainBytes } = typeof opts === 'number' ? { limit: opts, drainBytes: undefined } : opts;
  const declared = req.headers['content-length'];
  try {
    return await getRawBody(req, { limit, length: declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined });
  } catch (err) {
    const type = (err as { type?: string }).type;
    if (type === 'entity.too.large') {
      drain(req, drainBytes ?? Math.max(limit, 64 * 1024));
      throw new BodyTooLargeError(limit);
    }
    throw new BodyReadError(type === 'request.aborted' ? 'request aborted' : (err as Error).message);
  }
}

/** Drops what is left of a body the caller will not read, up to `max` bytes, so its answer reaches the client. */
export function drain(req: IncomingMessage, max = 64 * 1024): void {
  if (req.readableEnded || req.destroyed) return;
  let seen = 0;
  req.on('data', (c: Buffer) => {
    seen += c.length;
    if (seen > max) req.socket?.destroy();
  });
  req.resume();
}
