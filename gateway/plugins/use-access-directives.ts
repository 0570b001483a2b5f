import { useGenericAuth, type ValidateUserFnParams } from '@envelop/generic-auth';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError } from 'graphql';
import { satisfiesScopes, scopesOf } from '../../platform/access';
import type { CallerIdentity } from '../../platform/caller-identity';
import { ErrorCode } from '../../platform/errors';
import { count } from '../../platform/metrics';

/**
 * Enforces the supergraph's `@authenticated` and `@requiresScopes` (Federation 2.5 access directives,
 * composed from the subgraph schemas) before anything is sent to a subgraph: the Hive runtime's own
 * generic-auth plugin (`@envelop/generic-auth`, what the runtime's `genericAuth` option installs) in
 * `protect-granular` mode, fed with the caller `useCallerIdentity` authenticated. It must come after
 * useCallerIdentity in the plugin list, so the caller is in the context when the rules are checked.
 *
 * An operation that selects any field its caller may not read is refused whole (no subgraph call, no
 * partial data), with one error per refused field: UNAUTHENTICATED (HTTP 401) for an anonymous caller,
 * FORBIDDEN (HTTP 403) naming the missing scope otherwise. Subgraphs check the same rules again from
 * the signed caller header (platform/access-directives.ts).
 */
export function useAccessDirectives(): GatewayPlugin {
  return useGenericAuth<CallerIdentity, Record<string, any>, 'accessCaller'>({
    mode: 'protect-granular',
    contextFieldName: 'accessCaller',
    resolveUserFn: (context) => (context.callerIdentity as CallerIdentity | null | undefined) ?? null,
    extractScopes: (caller) => [...scopesOf(caller)],
    validateUser(params: ValidateUserFnParams<CallerIdentity>) {
      const required = [params.typeScopes, params.fieldScopes].filter((s): s is string[][] => Array.isArray(s) && s.length > 0);
      const needsCaller = Boolean(params.typeAuthArgs || params.fieldAuthArgs || required.length);
      if (!needsCaller) return undefined;
      const coordinate = `${params.parentType.name}.${params.field.name}`;
      if (!params.user) {
        count('gateway.access.unauthenticated');
        return new GraphQLError(`${coordinate} needs an authenticated caller: send x-api-key (partners) or Authorization: Bearer <jwt> (apps)`, {
          nodes: [params.fieldNode],
          path: params.path,
          extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } },
        });
      }
      const held = new Set(params.userScopes);
      const missing = required.find((alternatives) => !satisfiesScopes(held, alternatives));
      if (!missing) return undefined;
      count('gateway.access.forbidden');
      return new GraphQLError(`${coordinate} needs the scope ${missing.map((all) => all.join(' and ')).join(' or ')}`, {
        nodes: [params.fieldNode],
        path: params.path,
        extensions: { code: ErrorCode.FORBIDDEN, requiredScopes: missing, http: { status: 403 } },
      });
    },
  }) as GatewayPlugin;
}
