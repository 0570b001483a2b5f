import { useGenericAuth, type ValidateUserFnParams } from '@envelop/generic-auth';
import type { Plugin } from '@envelop/core';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { GraphQLError, Kind, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { satisfiesScopes, scopesOf } from '../../platform/access';
import type { CallerIdentity } from '../../platform/caller-identity';
import { ErrorCode } from '../../platform/errors';
import { count } from '../../platform/metrics';

/** Callers (sets of scopes) remembered per document as allowed; past this the oldest is forgotten. */
const ALLOWED_KEYS_PER_DOCUMENT = 64;

/** The scopes a caller holds, as one string (anonymous: `-`), per identity object. */
const scopeKeys = new WeakMap<CallerIdentity, string>();
function scopeKeyOf(caller: CallerIdentity | null | undefined): string {
  if (!caller) return '-';
  let key = scopeKeys.get(caller);
  if (key === undefined) {
    key = `+${[...scopesOf(caller)].sort().join(' ')}`;
    scopeKeys.set(caller, key);
  }
  return key;
}

/** Names of the variables a document's `@skip(if:)` / `@include(if:)` read: the check depends on their values. */
const conditionVariables = new WeakMap<DocumentNode, string[]>();
function conditionVariablesOf(document: DocumentNode): string[] {
  let names = conditionVariables.get(document);
  if (!names) {
    const found = new Set<string>();
    visit(document, {
      Directive(d) {
        if (d.name.value !== 'skip' && d.name.value !== 'include') return;
        for (const a of d.arguments ?? []) if (a.value.kind === Kind.VARIABLE) found.add(a.value.name.value);
      },
    });
    names = [...found];
    conditionVariables.set(document, names);
  }
  return names;
}

/**
 * Remembers which (schema, document, operation, caller scopes, @skip/@include variables) the access rules
 * allowed, and skips the rules for them next time. What the rules decide depends on nothing else
 * (`validateUser` below reads the caller's scopes and the schema's directives), so this changes no answer.
 *
 * Why it pays: `@envelop/generic-auth` checks in `onExecute` (extended validation), on every request — a
 * TypeInfo walk of the whole document with the directives of every field's type and field read again — and
 * then hands execution a rebuilt copy of the document (`removeEmptyOrUnusedNodes`), so every cache keyed by
 * the document's nodes further on (graphql-js' and the runtime's field collection, the planner) misses.
 * On a remembered operation the document the client sent (Yoga's parse cache: the same object for the
 * same text) is executed; when the rules allow an operation, that copy is the same operation anyway.
 */
function rememberAllowed(validation: Plugin<Record<string, any>>): Plugin<Record<string, any>> {
  const allowed = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Set<string>>>();
  type Hook = NonNullable<typeof validation.onExecute>;
  const guard = (hook: Hook | undefined): Hook | undefined =>
    hook &&
    ((payload) => {
      const { args } = payload;
      const document = args.document;
      const ctx = args.contextValue as Record<string, any>;
      const variables = conditionVariablesOf(document);
      const values = variables.length ? JSON.stringify(variables.map((v) => (args.variableValues as Record<string, unknown> | undefined)?.[v] ?? null)) : '';
      const key = `${args.operationName ?? ''}\n${scopeKeyOf(ctx?.accessCaller)}\n${values}`;
      let byDocument = allowed.get(args.schema);
      if (!byDocument) allowed.set(args.schema, (byDocument = new WeakMap()));
      let keys = byDocument.get(document);
      if (keys?.has(key)) return;
      let refused = false;
      const hooks = hook({
        ...payload,
        setResultAndStopExecution: (result: never) => {
          refused = true;
          payload.setResultAndStopExecution(result);
        },
      } as never);
      if (refused || hooks) return hooks;
      // allowed: the rebuilt copy is the same operation; keep the client's document (and its caches)
      args.document = document;
      if (!keys) byDocument.set(document, (keys = new Set()));
      if (keys.size >= ALLOWED_KEYS_PER_DOCUMENT) keys.delete(keys.values().next().value!);
      keys.add(key);
    });
  return { ...validation, onExecute: guard(validation.onExecute), onSubscribe: guard(validation.onSubscribe as never) as never };
}

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
 * the signed caller header (platform/access-directives.ts). An operation once allowed for a set of
 * scopes is not checked again for that set (`rememberAllowed`); a refusal is always checked afresh.
 */
export function useAccessDirectives(): GatewayPlugin {
  const auth = useGenericAuth<CallerIdentity, Record<string, any>, 'accessCaller'>({
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
  });
  // generic-auth adds its extended-validation plugin from onPluginInit: that one is wrapped
  return {
    ...auth,
    onPluginInit(init) {
      return auth.onPluginInit?.({ ...init, addPlugin: (p: Plugin<Record<string, any>>) => init.addPlugin(rememberAllowed(p) as never) } as never);
    },
  } as GatewayPlugin;
}
