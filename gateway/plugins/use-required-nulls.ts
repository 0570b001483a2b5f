import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { Kind, parse, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type SelectionNode, type SelectionSetNode, type ValueNode } from 'graphql';

type Obj = Record<string, unknown>;
type Path = readonly (string | number)[];

/** What the supergraph says about `@requires`: per subgraph, type and field the selection it requires; per type its keys. */
export interface RequiresModel {
  requires: Map<string, Map<string, Map<string, readonly SelectionNode[]>>>;
  /** per type, every selection some subgraph requires of it (what is worth noting of an answer) */
  required: Map<string, readonly SelectionNode[]>;
  keys: Map<string, readonly (readonly SelectionNode[])[]>;
}

const argString = (args: readonly { name: { value: string }; value: ValueNode }[] | undefined, name: string) => {
  const v = args?.find((a) => a.name.value === name)?.value;
  return v?.kind === Kind.STRING ? v.value : v?.kind === Kind.ENUM ? v.value : undefined;
};
const fieldSet = (s: string) => {
  const op = parse(`{ ${s} }`, { noLocation: true }).definitions[0];
  return op?.kind === Kind.OPERATION_DEFINITION ? op.selectionSet.selections : [];
};

/** Reads `@join__graph`, `@join__type(key:)` and `@join__field(requires:)` from a supergraph's SDL. */
export function requiresModelOf(supergraphSdl: string): RequiresModel {
  const doc = parse(supergraphSdl, { noLocation: true });
  const graphNames = new Map<string, string>();
  for (const d of doc.definitions) {
    if (d.kind !== Kind.ENUM_TYPE_DEFINITION || d.name.value !== 'join__Graph') continue;
    for (const v of d.values ?? []) {
      const name = argString(v.directives?.find((x) => x.name.value === 'join__graph')?.arguments, 'name');
      if (name) graphNames.set(v.name.value, name);
    }
  }
  const model: RequiresModel = { requires: new Map(), required: new Map(), keys: new Map() };
  for (const d of doc.definitions) {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION && d.kind !== Kind.OBJECT_TYPE_EXTENSION && d.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const type = d.name.value;
    for (const dir of d.directives ?? []) {
      const key = dir.name.value === 'join__type' ? argString(dir.arguments, 'key') : undefined;
      if (key) model.keys.set(type, [...(model.keys.get(type) ?? []), fieldSet(key)]);
    }
    for (const f of d.fields ?? []) {
      for (const dir of f.directives ?? []) {
        if (dir.name.value !== 'join__field') continue;
        const requires = argString(dir.arguments, 'requires');
        const graph = graphNames.get(argString(dir.arguments, 'graph') ?? '');
        if (!requires || !graph) continue;
        const selections = fieldSet(requires);
        const byType = model.requires.get(graph) ?? new Map<string, Map<string, readonly SelectionNode[]>>();
        const byField = byType.get(type) ?? new Map<string, readonly SelectionNode[]>();
        byField.set(f.name.value, selections);
        byType.set(type, byField);
        model.requires.set(graph, byType);
        model.required.set(type, [...(model.required.get(type) ?? []), ...selections]);
      }
    }
  }
  return model;
}

const stable = (v: unknown): string =>
  v !== null && typeof v === 'object'
    ? Array.isArray(v)
      ? `[${v.map(stable).join(',')}]`
      : `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${stable((v as Obj)[k])}`)
          .join(',')}}`
    : JSON.stringify(v);
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const fieldsOf = (selections: readonly SelectionNode[], typename: unknown): { key: string; sub?: readonly SelectionNode[] }[] =>
  selections.flatMap((s) =>
    s.kind === Kind.FIELD
      ? [{ key: s.alias?.value ?? s.name.value, sub: s.selectionSet?.selections }]
      : s.kind === Kind.INLINE_FRAGMENT && (!s.typeCondition || typename === undefined || s.typeCondition.name.value === typename)
        ? fieldsOf(s.selectionSet.selections, typename)
        : [],
  );

/** `value` cut to `selections`, keeping `null`s: as the JS planner builds a representation. */
function project(value: unknown, selections: readonly SelectionNode[] | undefined): unknown {
  if (!selections || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => project(v, selections));
  const out: Obj = {};
  for (const { key, sub } of fieldsOf(selections, (value as Obj).__typename)) {
    const v = (value as Obj)[key];
    if (v === undefined) continue;
    out[key] = isObj(out[key]) && isObj(v) ? { ...(out[key] as Obj), ...(project(v, sub) as Obj) } : project(v, sub);
  }
  return out;
}

/**
 * For Hive Router's query planner (`GATEWAY_QUERY_PLANNER=rust`) only. Its runtime leaves every `null`
 * out of an `@requires` representation, at any depth (`@graphql-hive/router-runtime` `projectRequires`;
 * an object whose fields are all `null` goes too), so the subgraph cannot tell "the other subgraph said
 * null" (Vehicle `carsys`: Carsys has nothing) from "the gateway could not get it" (absent: the call
 * failed) — the JS planner sends the `null`s. Here, per operation, every answer that carries a field some
 * subgraph `@requires` is noted (what the required selections cover, by entity: type and key, whether
 * the entity came in an `_entities` call or anywhere in a root call's answer); a `null` with an error at
 * or under its path is not noted. A later call's representation gets back, where it lacks them, the
 * values noted for its entity — only what that call's fields require — so `null` reaches the subgraph
 * again and a field that failed stays absent. The notes live with the operation's context (bounded: at
 * most `maxEntities` entities per operation; a subscription's are dropped at each event).
 */
export function useRequiredNulls(opts: { supergraphSdl: string; maxEntities?: number }): GatewayPlugin {
  const model = requiresModelOf(opts.supergraphSdl);
  const maxEntities = opts.maxEntities ?? 10_000;
  const notesOf = new WeakMap<object, Map<string, Obj>>();
  const requiredNames = new Set([...model.required.values()].flatMap((s) => fieldsOf(s, undefined).map((f) => f.key)));

  const identityOf = (typename: unknown, obj: Obj): string | undefined => {
    if (typeof typename !== 'string') return;
    for (const key of model.keys.get(typename) ?? []) {
      const fields = fieldsOf(key, typename);
      if (fields.every((f) => obj[f.key] !== undefined)) return `${typename}\u0000${stable(project(obj, key))}`;
    }
  };

  // per document: does it ask for a field some subgraph requires (then its answers are noted)
  const asksRequired = new WeakMap<DocumentNode, boolean>();
  const isNoted = (doc: DocumentNode) => {
    let v = asksRequired.get(doc);
    if (v === undefined) {
      v = false;
      const visit = (set: SelectionSetNode | undefined): void => {
        for (const s of set?.selections ?? []) {
          if (s.kind === Kind.FIELD && requiredNames.has(s.name.value)) v = true;
          if (s.kind !== Kind.FRAGMENT_SPREAD) visit(s.selectionSet);
        }
      };
      for (const d of doc.definitions) if (d.kind === Kind.OPERATION_DEFINITION || d.kind === Kind.FRAGMENT_DEFINITION) visit(d.selectionSet);
      asksRequired.set(doc, v);
    }
    return v;
  };

  // per document and subgraph: its `_entities` fields (response key, representations variable) and, per
  // type, what the fields it asks of that type require
  type EntityCall = { key: string; variable: string; requiresOf: (typename: string) => readonly SelectionNode[] };
  const entityCalls = new WeakMap<DocumentNode, Map<string, EntityCall[]>>();
  const entityCallsOf = (doc: DocumentNode, subgraph: string): EntityCall[] => {
    let bySubgraph = entityCalls.get(doc);
    if (!bySubgraph) entityCalls.set(doc, (bySubgraph = new Map()));
    let calls = bySubgraph.get(subgraph);
    if (calls) return calls;
    calls = [];
    const op = doc.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    const fragments = doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
    for (const s of op?.kind === Kind.OPERATION_DEFINITION ? op.selectionSet.selections : []) {
      if (s.kind !== Kind.FIELD || s.name.value !== '_entities' || !s.selectionSet) continue;
      const arg = s.arguments?.find((a) => a.name.value === 'representations')?.value;
      if (arg?.kind !== Kind.VARIABLE) continue;
      const set = s.selectionSet;
      const cache = new Map<string, readonly SelectionNode[]>();
      const requiresOf = (typename: string) => {
        let out = cache.get(typename);
        if (out) return out;
        const byField = model.requires.get(subgraph)?.get(typename);
        const names = new Set<string>();
        const visit = (sel: SelectionSetNode) => {
          for (const x of sel.selections) {
            if (x.kind === Kind.FIELD) names.add(x.name.value);
            else if (x.kind === Kind.INLINE_FRAGMENT) {
              if (!x.typeCondition || x.typeCondition.name.value === typename) visit(x.selectionSet);
            } else {
              const f = fragments.find((d) => d.name.value === x.name.value);
              if (f && f.typeCondition.name.value === typename) visit(f.selectionSet);
            }
          }
        };
        visit(set);
        out = byField ? [...names].flatMap((n) => byField.get(n) ?? []) : [];
        cache.set(typename, out);
        return out;
      };
      calls.push({ key: s.alias?.value ?? s.name.value, variable: arg.name.value, requiresOf });
    }
    bySubgraph.set(subgraph, calls);
    return calls;
  };

  /**
   * Notes what `obj` (an entity) gives of the required selections: a `null` with an error at or under its
   * path is not noted (and unnotes what an earlier answer said of it).
   */
  const FAILED = Symbol('failed');
  const noted = (v: unknown, sub: readonly SelectionNode[] | undefined, path: Path, failed: Set<string>): unknown => {
    if (v === null) return failed.has(path.join('\u0000')) ? FAILED : null;
    if (!sub || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map((x, i) => (x === null ? null : noted(x, sub, [...path, i], failed)));
    const out: Obj = {};
    for (const { key, sub: s } of fieldsOf(sub, (v as Obj).__typename)) {
      const x = (v as Obj)[key];
      if (x !== undefined) out[key] = noted(x, s, [...path, key], failed);
    }
    return out;
  };
  const merge = (into: Obj, from: Obj) => {
    for (const [k, v] of Object.entries(from)) {
      if (v === FAILED) delete into[k];
      else if (isObj(v) && isObj(into[k])) merge(into[k] as Obj, v);
      else into[k] = isObj(v) ? merge({}, v) : Array.isArray(v) ? v.map((x) => (x === FAILED ? null : isObj(x) ? merge({}, x) : x)) : v;
    }
    return into;
  };
  const note = (notes: Map<string, Obj>, identity: string, typename: string, obj: Obj, path: Path, failed: Set<string>) => {
    const selections = model.required.get(typename);
    if (!selections) return;
    let entry = notes.get(identity);
    if (!entry) {
      if (notes.size >= maxEntities) return;
      notes.set(identity, (entry = {}));
    }
    merge(entry, noted(obj, selections, path, failed) as Obj);
  };

  /** Every entity anywhere in `value` (its own `__typename` and key fields) is noted. */
  const walk = (notes: Map<string, Obj>, value: unknown, path: (string | number)[], failed: Set<string>) => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(notes, v, [...path, i], failed));
      return;
    }
    if (!isObj(value)) return;
    const typename = value.__typename;
    if (typeof typename === 'string' && model.required.has(typename)) {
      const identity = identityOf(typename, value);
      if (identity) note(notes, identity, typename, value, path, failed);
    }
    for (const [k, v] of Object.entries(value)) if (v !== null && typeof v === 'object') walk(notes, v, [...path, k], failed);
  };

  /** `rep` with what `notes` hold for the `selections` it lacks (copy on write). */
  const fill = (rep: unknown, noted: unknown, selections: readonly SelectionNode[]): unknown => {
    // an object whose fields were all null: the runtime sent null (in a list) in its place
    if (rep === null && isObj(noted)) return project(noted, selections);
    if (Array.isArray(rep)) {
      if (!Array.isArray(noted) || noted.length !== rep.length) return rep;
      const out = rep.map((r, i) => fill(r, noted[i], selections));
      return out.some((v, i) => v !== rep[i]) ? out : rep;
    }
    if (!isObj(rep) || !isObj(noted)) return rep;
    let out = rep;
    for (const { key, sub } of fieldsOf(selections, rep.__typename ?? noted.__typename)) {
      if (noted[key] === undefined) continue;
      const next = rep[key] === undefined ? project(noted[key], sub) : sub ? fill(rep[key], noted[key], sub) : rep[key];
      if (next === rep[key]) continue;
      if (out === rep) out = { ...rep };
      out[key] = next;
    }
    return out;
  };

  return {
    onSubgraphExecute({ subgraphName, executionRequest, setExecutionRequest }) {
      const ctx = executionRequest.context as object | undefined;
      if (!ctx) return;
      if (executionRequest.operationType === 'subscription') {
        // one context for all the events of a subscription: what one event's calls noted is not the next one's
        return () => ({ onNext: () => void notesOf.delete(ctx) });
      }
      const doc = executionRequest.document;
      const calls = entityCallsOf(doc, subgraphName);
      const vars = executionRequest.variables ?? {};
      const notes = notesOf.get(ctx);
      if (notes) {
        const filled: Obj = {};
        for (const call of calls) {
          const reps = filled[call.variable] ?? vars[call.variable];
          if (!Array.isArray(reps)) continue;
          const next = reps.map((rep) => {
            if (!isObj(rep) || typeof rep.__typename !== 'string') return rep;
            const selections = call.requiresOf(rep.__typename);
            const identity = selections.length ? identityOf(rep.__typename, rep) : undefined;
            const noted = identity ? notes.get(identity) : undefined;
            return noted ? fill(rep, noted, selections) : rep;
          });
          if (next.some((r, i) => r !== reps[i])) filled[call.variable] = next;
        }
        if (Object.keys(filled).length) setExecutionRequest({ ...executionRequest, variables: { ...vars, ...filled } });
      }
      if (!isNoted(doc)) return;
      return ({ result }) => {
        if (!result || Symbol.asyncIterator in (result as object)) return;
        const r = result as ExecutionResult;
        const data = r.data as Obj | null | undefined;
        // an error without a path: what failed is unknown, nothing of this answer is noted
        if (!data || r.errors?.some((e) => !e.path)) return;
        const failed = new Set<string>();
        for (const e of r.errors ?? []) for (let i = 1; i <= e.path!.length; i++) failed.add(e.path!.slice(0, i).join('\u0000'));
        let into = notesOf.get(ctx);
        if (!into) notesOf.set(ctx, (into = new Map()));
        const entityKeys = new Set<string>();
        for (const call of calls) {
          const reps = vars[call.variable];
          const answer = data[call.key];
          if (!Array.isArray(reps) || !Array.isArray(answer)) continue;
          entityKeys.add(call.key);
          answer.forEach((entity, i) => {
            const rep = reps[i];
            if (!isObj(entity) || !isObj(rep)) return;
            const typename = (entity.__typename ?? rep.__typename) as string;
            const identity = identityOf(typename, rep);
            if (identity) note(into, identity, typename, entity, [call.key, i], failed);
            for (const [k, v] of Object.entries(entity)) if (v !== null && typeof v === 'object') walk(into, v, [call.key, i, k], failed);
          });
        }
        for (const [k, v] of Object.entries(data)) if (!entityKeys.has(k)) walk(into, v, [k], failed);
      };
    },
  };
}
