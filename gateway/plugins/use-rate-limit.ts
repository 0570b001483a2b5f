import { createHash } from 'node:crypto';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { decodeJwt } from 'jose';
import { ErrorCode } from '../../platform/errors';
import type { RateDecision, RateLimiter } from '../../platform/rate-limit';
import { clientAddress } from '../client-address';
import { errorResponse } from '../error-response';

export interface RateLimitOptions {
  limiter: RateLimiter;
  /** operations per window for a partner key or an app user */
  authenticated: number;
  /** operations per window for one anonymous source address */
  anonymous: number;
  graphqlEndpoint?: string;
  /** reverse proxies in front that append to X-Forwarded-For (see client-address.ts) */
  trustedProxyHops?: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * Who is counted: the partner key (by hash, never the key), the app user (`sub` of a JWT the caller-identity
 * plugin has verified: that plugin runs first and answers 401 to bad credentials), else the source address.
 */
export function rateKeyOf(headers: { get(name: string): string | null }, address: string | undefined): { key: string; authenticated: boolean } {
  const apiKey = headers.get('x-api-key')?.trim() || /^ApiKey\s+(.+)$/i.exec(headers.get('authorization') ?? '')?.[1];
  if (apiKey) return { key: `key:${digest(apiKey)}`, authenticated: true };
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.get('authorization') ?? '')?.[1];
  if (bearer) {
    let sub: string | undefined;
    try {
      sub = decodeJwt(bearer).sub;
    } catch {
      sub = undefined;
    }
    return { key: sub ? `user:${digest(sub)}` : `jwt:${digest(bearer)}`, authenticated: true };
  }
  return { key: `addr:${address ?? 'unknown'}`, authenticated: false };
}

const message = (d: RateDecision) => `Too many requests: at most ${d.limit} operations per window are served to this caller. Retry after ${d.retryAfterS} s.`;

export const rateLimitedError = (d: RateDecision) =>
  new GraphQLError(message(d), {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: d.retryAfterS, limit: d.limit, http: { status: 429, headers: { 'retry-after': String(d.retryAfterS) } } },
  });

/**
 * Per-caller rate limits on the GraphQL endpoint: HTTP requests are counted before anything is parsed and
 * answered `429` with `Retry-After` (no subgraph, no vendor call); graphql-ws operations, which have no
 * HTTP request of their own, are counted per operation and refused with the same RATE_LIMITED error.
 * Counts live in Redis when configured, so the limit holds across gateway instances.
 */
export function useRateLimit(opts: RateLimitOptions): GatewayPlugin {
  const endpoint = opts.graphqlEndpoint ?? '/graphql';
  const limitFor = (authenticated: boolean) => (authenticated ? opts.authenticated : opts.anonymous);

  return {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint || request.method === 'OPTIONS') return;
      const socket = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | undefined)?.req?.socket?.remoteAddress;
      const { key, authenticated } = rateKeyOf(request.headers, clientAddress(request.headers, socket, opts.trustedProxyHops ?? 0));
      const decision = await opts.limiter.hit(key, limitFor(authenticated));
      if (decision.allowed) return;
      endResponse(
        errorResponse(fetchAPI, 429, message(decision), { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: decision.retryAfterS, limit: decision.limit }, { 'retry-after': String(decision.retryAfterS) }),
      );
    },

    async onExecute({ args, setResultAndStopExecution }) {
      const decision = await wsDecision(args.contextValue as Record<string, any>);
      if (decision && !decision.allowed) setResultAndStopExecution({ errors: [rateLimitedError(decision)] });
    },
    async onSubscribe({ args, setResultAndStopExecution }) {
      const decision = await wsDecision(args.contextValue as Record<string, any>);
      if (decision && !decision.allowed) setResultAndStopExecution({ errors: [rateLimitedError(decision)] });
    },
  };

  /** graphql-ws only: HTTP requests were counted in onRequest. */
  async function wsDecision(ctx: Record<string, any> | undefined): Promise<RateDecision | undefined> {
    // a graphql-ws operation's context carries the socket (see gateway/main.ts); an HTTP one has `res`
    if (!ctx?.socket || ctx.res) return undefined;
    const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
    const headers = new Headers();
    for (const name of ['x-api-key', 'authorization']) {
      const v = params[name] ?? params[name === 'x-api-key' ? 'apiKey' : 'Authorization'];
      if (typeof v === 'string') headers.set(name, v);
    }
    const upgrade = ctx.req as { socket?: { remoteAddress?: string }; headers?: Record<string, string | string[] | undefined> } | undefined;
    const forwarded = upgrade?.headers?.['x-forwarded-for'];
    const address = clientAddress({ get: (n) => (n === 'x-forwarded-for' && typeof forwarded === 'string' ? forwarded : null) }, upgrade?.socket?.remoteAddress, opts.trustedProxyHops ?? 0);
    const { key, authenticated } = rateKeyOf(headers, address);
    return opts.limiter.hit(key, limitFor(authenticated));
  }
}
