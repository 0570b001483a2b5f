import { createHash, timingSafeEqual } from 'node:crypto';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type OperationTypeNode } from 'graphql';
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { emptyGrants } from '../../platform/access';
import { CALLER_HEADER, GRANT_KINDS, signCallerIdentity, type CallerGrants, type CallerIdentity } from '../../platform/caller-identity';
import { legacyScopes, type PartnerKey } from '../../platform/config/auth';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import { errorResponse } from '../error-response';

export interface CallerIdentityOptions {
  /** configured partner keys (hashed at rest: sha256 hex of the key) */
  partners: PartnerKey[];
  /** frontend-app JWTs; omitted or without secret/jwksUrl = JWTs are refused */
  jwt?: { issuer?: string; audience?: string; secret?: string; jwksUrl?: string; customersClaim?: string };
  /** HMAC secret shared with the subgraphs (GATEWAY_SIGNING_SECRET) */
  signingSecret: string;
  log: Logger;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });

/** Credentials were sent but are wrong: the caller is refused, never treated as anonymous. */
class CallerRefused extends Error {}

interface Credentials {
  apiKey?: string;
  bearer?: string;
}

/** The type of the operation that will run: the named one, or the only one. */
function operationTypeOf(document: DocumentNode, operationName?: string | null): OperationTypeNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return (operationName ? ops.find((o) => o.name?.value === operationName) : ops[0])?.operation;
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** From HTTP headers (queries, mutations, SSE) or graphql-ws connectionParams (`x-api-key` / `apiKey` / `authorization`). */
function credentialsOf(context: Record<string, any>): Credentials {
  const params = context.connectionParams as Record<string, unknown> | undefined;
  const headers = context.request?.headers as Headers | undefined;
  const apiKey = str(params?.['x-api-key']) ?? str(params?.apiKey) ?? str(headers?.get?.('x-api-key'));
  const authorization = str(params?.authorization) ?? str(params?.Authorization) ?? str(headers?.get?.('authorization'));
  const m = authorization ? /^Bearer\s+(.+)$/i.exec(authorization) : null;
  if (authorization && !m) {
    const apiKeyScheme = /^ApiKey\s+(.+)$/i.exec(authorization);
    return { apiKey: apiKey ?? apiKeyScheme?.[1], bearer: undefined };
  }
  return { apiKey, bearer: m?.[1] };
}

/**
 * Authenticates the caller of the supergraph — partners with an API key (`x-api-key`), frontend apps with
 * a JWT (`Authorization: Bearer`), over HTTP, SSE and graphql-ws (connectionParams) — and passes the
 * identity to subgraphs in one HMAC-signed header (`x-switchboard-caller`, see platform/caller-identity),
 * per subgraph call (in `extensions.headers`, which the WebSocket transport carries per operation too).
 * Wrong credentials are refused with UNAUTHENTICATED (HTTP 401 before parsing, or the operation's error over
 * graphql-ws); no credentials are allowed for queries
 * (each subgraph decides what is public) but not for subscriptions, which are refused at once.
 */
export function useCallerIdentity(options: CallerIdentityOptions): GatewayPlugin {
  if (!options.signingSecret || options.signingSecret.length < 16) throw new Error('useCallerIdentity: signingSecret must be at least 16 characters');
  // one identity object per partner, made once (frozen: shared by every request of that partner)
  const partners = options.partners.map((p) => ({
    ...p,
    hash: Buffer.from(p.keyHash, 'hex'),
    identity: Object.freeze<CallerIdentity>({ kind: 'partner', id: p.partnerId, customers: p.customers, roles: p.roles, scopes: p.scopes, grants: p.grants }),
  }));
  const jwt = options.jwt;
  let jwtKey: Uint8Array | JWTVerifyGetKey | undefined;
  if (jwt?.jwksUrl) jwtKey = createRemoteJWKSet(new URL(jwt.jwksUrl));
  else if (jwt?.secret) jwtKey = new TextEncoder().encode(jwt.secret);
  const customersClaim = jwt?.customersClaim ?? 'customers';

  function partnerFor(apiKey: string): CallerIdentity | undefined {
    const hash = createHash('sha256').update(apiKey).digest();
    // compare against every key, constant time each, so timing does not tell which partner is close
    let found: (typeof partners)[number] | undefined;
    for (const p of partners) if (p.hash.length === hash.length && timingSafeEqual(p.hash, hash)) found = p;
    return found?.identity;
  }

  // The signed header of an identity, made once per identity and second: `exp` counts whole seconds, so
  // within one second the value is byte for byte what signing again would give (HMAC + JSON per subgraph
  // call otherwise). A partner's identity is one object for the process; a user's lives with its request.
  const signed = new WeakMap<CallerIdentity, { second: number; value: string }>();
  function callerHeaderFor(identity: CallerIdentity): string {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    const last = signed.get(identity);
    if (last?.second === second) return last.value;
    const value = signCallerIdentity(identity, options.signingSecret, { now });
    signed.set(identity, { second, value });
    return value;
  }

  async function userFor(token: string): Promise<CallerIdentity> {
    if (!jwtKey) throw new CallerRefused('bearer tokens are not accepted by this gateway (no JWT issuer configured)');
    let payload: JWTPayload;
    try {
      const verified = await (typeof jwtKey === 'function'
        ? jwtVerify(token, jwtKey, { issuer: jwt?.issuer, audience: jwt?.audience })
        : jwtVerify(token, jwtKey, { issuer: jwt?.issuer, audience: jwt?.audience, algorithms: ['HS256'] }));
      payload = verified.payload;
    } catch (err) {
      throw new CallerRefused(`invalid bearer token (${(err as { code?: string }).code ?? 'ERR_JWT_INVALID'})`);
    }
    const claim = payload[customersClaim];
    const customers = Array.isArray(claim) ? claim.filter((c): c is string => typeof c === 'string') : [];
    if (!payload.sub) throw new CallerRefused('bearer token has no sub');
    const strings = (v: unknown) => (Array.isArray(v) ? v.filter((r): r is string => typeof r === 'string') : []);
    const roles = strings(payload.roles);
    // OAuth's `scope` (space separated) or a `scopes` array; a token with neither keeps what it could do
    // before scopes existed: the orders of its offices (platform/config/auth.ts legacyScopes).
    const scopes =
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : Array.isArray(payload.scopes) ? strings(payload.scopes) : legacyScopes(customers);
    const grants: Required<CallerGrants> = { ...emptyGrants() };
    for (const kind of GRANT_KINDS) grants[kind] = strings(payload[kind]);
    return { kind: 'user', id: payload.sub, customers, roles, scopes, grants };
  }

  /**
   * The caller for these credentials; null when none were sent; CallerRefused when they are wrong. At once
   * for an API key or none (no promise on the hot path); a promise for a JWT (its key set may be fetched).
   */
  function authenticate({ apiKey, bearer }: Credentials): CallerIdentity | null | Promise<CallerIdentity> {
    if (apiKey) {
      const identity = partnerFor(apiKey);
      if (!identity) throw new CallerRefused('unknown API key');
      count('gateway.auth.partner');
      return identity;
    }
    if (!bearer) return null;
    return userFor(bearer).then((identity) => {
      count(`gateway.auth.${identity.kind}`);
      return identity;
    });
  }

  // HTTP (queries, mutations, SSE) is authenticated once per request, before anything is parsed.
  const byRequest = new WeakMap<Request, CallerIdentity | null>();

  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS') return;
      const refuse = (err: unknown) => {
        if (!(err instanceof CallerRefused)) throw err;
        count('gateway.auth.refused');
        options.log.info('caller refused', { reason: err.message, via: 'http' });
        endResponse(errorResponse(fetchAPI, 401, err.message, { code: ErrorCode.UNAUTHENTICATED }, { 'www-authenticate': 'ApiKey, Bearer' }));
      };
      try {
        const identity = authenticate(credentialsOf({ request }));
        if (!(identity instanceof Promise)) return void byRequest.set(request, identity);
        return identity.then((i) => void byRequest.set(request, i), refuse);
      } catch (err) {
        refuse(err);
      }
    },

    // graphql-ws has no HTTP request per operation: its credentials are the connectionParams.
    onContextBuilding({ context, extendContext }) {
      const ctx = context as Record<string, any>;
      if (ctx.callerIdentity !== undefined) return;
      if (ctx.request && byRequest.has(ctx.request)) return extendContext({ callerIdentity: byRequest.get(ctx.request) } as never);
      return (async () => {
        try {
          extendContext({ callerIdentity: await authenticate(credentialsOf(ctx)) } as never);
        } catch (err) {
          if (!(err instanceof CallerRefused)) throw err;
          count('gateway.auth.refused');
          options.log.info('caller refused', { reason: err.message, via: 'graphql-ws' });
          extendContext({ callerIdentity: null, callerRefused: err.message } as never);
        }
      })();
    },

    onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Record<string, any>;
      const refused = ctx?.callerRefused as string | undefined;
      if (refused) return setResultAndStopExecution({ errors: [unauthenticated(refused)] });
      // Reads may be public (each subgraph decides); every write needs a caller the gateway knows, so no
      // anonymous request can reserve a port, publish a calendar or upload client files.
      if (!ctx?.callerIdentity && operationTypeOf(args.document, args.operationName) === 'mutation') {
        count('gateway.auth.refused');
        setResultAndStopExecution({ errors: [unauthenticated('mutations need an authenticated caller: send x-api-key (partners) or Authorization: Bearer <jwt> (apps)')] });
      }
    },

    onSubscribe({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as Record<string, any>;
      if (ctx?.callerRefused) return setResultAndStopExecution({ errors: [unauthenticated(ctx.callerRefused)] });
      if (ctx?.callerIdentity) return;
      count('gateway.auth.refused');
      setResultAndStopExecution({
        errors: [unauthenticated('subscriptions need an authenticated caller: send x-api-key (partners) or Authorization: Bearer <jwt> (apps) as a header, or in graphql-ws connectionParams')],
      });
    },

    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      const identity = (executionRequest.context as Record<string, any> | undefined)?.callerIdentity as CallerIdentity | null | undefined;
      const { [CALLER_HEADER]: _dropped, ...headers } = (executionRequest.extensions?.headers ?? {}) as Record<string, string>;
      if (identity) headers[CALLER_HEADER] = callerHeaderFor(identity);
      setExecutionRequest({ ...executionRequest, extensions: { ...executionRequest.extensions, headers } });
    },
  };
}
