import { defaultFieldResolver, valueFromASTUntyped, type ConstDirectiveNode, type GraphQLFieldResolver, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema } from 'graphql';
import { satisfiesScopes, scopesOf } from './access';
import { callerFromHeader, callerHeaderOf, type CallerIdentity, type VerifyFailure } from './caller-identity';
import type { Logger } from './logger';
import { AppError, ErrorCode } from './errors';

/** What every subgraph context carries so the schema's access rules can be checked (see callerFromHeader). */
export interface AccessContext {
  /** the caller the gateway signed; undefined for an anonymous call */
  caller?: CallerIdentity;
  /** a caller header was sent but refused (another secret, tampered, expired): the request gets nothing */
  callerProblem?: VerifyFailure;
}

/** The rules one field carries: its own `@authenticated` / `@requiresScopes` plus those of its type. */
export interface FieldAccessRule {
  authenticated: boolean;
  /** alternatives of required scope sets: [[a, b], [c]] = (a AND b) OR c; every rule must hold */
  scopes: string[][][];
}

const AUTHENTICATED = new Set(['authenticated', 'federation__authenticated']);
const REQUIRES_SCOPES = new Set(['requiresScopes', 'federation__requiresScopes']);

function ruleOf(directives: readonly ConstDirectiveNode[]): FieldAccessRule {
  const rule: FieldAccessRule = { authenticated: false, scopes: [] };
  for (const d of directives) {
    if (AUTHENTICATED.has(d.name.value)) rule.authenticated = true;
    if (REQUIRES_SCOPES.has(d.name.value)) {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const value = arg ? (valueFromASTUntyped(arg.value) as unknown) : undefined;
      if (Array.isArray(value)) rule.scopes.push(value.map((all) => (Array.isArray(all) ? all.map(String) : [String(all)])));
    }
  }
  return rule;
}

/**
 * Object types other than introspection's, by tag rather than `instanceof`: @apollo/subgraph builds its
 * schema with graphql's CommonJS build, this module may see the ESM one, and their classes differ.
 */
const isOwnObjectType = (type: GraphQLNamedType): type is GraphQLObjectType => Object.prototype.toString.call(type) === '[object GraphQLObjectType]' && !type.name.startsWith('__');

const merge = (a: FieldAccessRule, b: FieldAccessRule): FieldAccessRule => ({ authenticated: a.authenticated || b.authenticated, scopes: [...a.scopes, ...b.scopes] });
const isEmpty = (r: FieldAccessRule) => !r.authenticated && r.scopes.length === 0;

/**
 * The rules of every field of a subgraph schema, read from its own SDL (`Type.field` → rule). Type-level
 * directives apply to every field of the type, as the gateway's generic-auth applies them.
 */
export function accessRulesOf(schema: GraphQLSchema): Map<string, FieldAccessRule> {
  const rules = new Map<string, FieldAccessRule>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isOwnObjectType(type)) continue;
    const typeRule = ruleOf([type.astNode, ...type.extensionASTNodes].flatMap((n) => n?.directives ?? []));
    for (const field of Object.values(type.getFields())) {
      const rule = merge(typeRule, ruleOf(field.astNode?.directives ?? []));
      if (!isEmpty(rule)) rules.set(`${type.name}.${field.name}`, rule);
    }
  }
  return rules;
}

/** Throws the error a caller gets for `rule` at `coordinate`, or returns when the caller may resolve it. */
export function checkAccess(ctx: AccessContext | undefined, rule: FieldAccessRule | undefined, coordinate: string): void {
  if (ctx?.callerProblem) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, 'the caller header was refused; call through the gateway', { reason: ctx.callerProblem });
  }
  if (!rule) return;
  const caller = ctx?.caller;
  if (!caller) {
    throw new AppError(ErrorCode.UNAUTHENTICATED, `${coordinate} needs an authenticated caller (x-api-key or Authorization: Bearer at the gateway)`, { field: coordinate });
  }
  if (rule.scopes.length === 0) return;
  const held = scopesOf(caller);
  const missing = rule.scopes.find((alternatives) => !satisfiesScopes(held, alternatives));
  if (missing) {
    throw new AppError(ErrorCode.FORBIDDEN, `${coordinate} needs the scope ${missing.map((all) => all.join(' and ')).join(' or ')}`, { field: coordinate, requiredScopes: missing });
  }
}

/**
 * Enforces the schema's `@authenticated` / `@requiresScopes` in the subgraph itself, from the caller the
 * gateway signed (`AccessContext.caller`), so a request that bypasses the gateway gets nothing it could not
 * get through it. Each guarded field's resolver (and `subscribe`) is wrapped to check first; the root
 * fields of Query, Mutation and Subscription (including `_entities`) also refuse a request whose caller
 * header was forged or stale. Works for every execution path of the schema (Apollo Server, the multipart
 * upload route, graphql-ws) because it lives in the schema. Mutates and returns `schema`.
 *
 * Hand-written rather than a schema-transform library: it is a loop over the schema's fields reading two
 * directives, and it must agree exactly with platform/access.ts's reading of scopes.
 */
export function enforceAccessDirectives<S extends GraphQLSchema>(schema: S): S {
  const rules = accessRulesOf(schema);
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t!.name));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isOwnObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      const rule = rules.get(coordinate);
      if (!rule && !roots.has(type.name)) continue;
      const resolve: GraphQLFieldResolver<unknown, AccessContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        checkAccess(ctx, rule, coordinate);
        return resolve(source, args, ctx, info);
      };
      if (field.subscribe) {
        const subscribe = field.subscribe;
        field.subscribe = (source, args, ctx, info) => {
          checkAccess(ctx as AccessContext, rule, coordinate);
          return subscribe(source, args, ctx, info);
        };
      }
    }
  }
  return schema;
}

/** The access part of a subgraph's per-request context, from the request's (or operation's) headers. */
export function accessContextOf(headers: Record<string, unknown> | undefined, opts: { signingSecret: string; log: Logger }): AccessContext {
  return callerFromHeader(callerHeaderOf(headers), opts.signingSecret, (problem) => opts.log.warn('refused a caller identity header', { problem }));
}
