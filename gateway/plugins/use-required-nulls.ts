import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import type { ExecutionResult } from 'graphql';

type Rep = Record<string, unknown> & { __typename?: string };

/** Per operation: by entity type, the field sets representations were sent with, and per representation the fields that came back `null` without an error. */
interface Seen {
  fieldSets: Map<string, Set<string>>;
  nulls: Map<string, Set<string>>;
}

const repKey = (rep: Rep, fields: string[]) => JSON.stringify([rep.__typename, ...fields.map((f) => [f, rep[f]])]);
const fieldsOf = (rep: Rep) => Object.keys(rep).sort();
const isReps = (v: unknown): v is Rep[] => Array.isArray(v) && v.length > 0 && v.every((r) => r !== null && typeof r === 'object' && typeof (r as Rep).__typename === 'string');

/**
 * For Hive Router's query planner (`GATEWAY_QUERY_PLANNER=rust`) only. Its runtime leaves a `null` value
 * out of an `@requires` representation (`@graphql-hive/router-runtime` `projectRequires`), so the subgraph
 * cannot tell "the other subgraph said null" (Vehicle `carsys`: Carsys has nothing) from "the gateway
 * could not get it" (absent: the call failed) — the JS planner sends the `null`. Here, per operation, each
 * entity call's answers are noted: which fields of which entity (by the representation it was asked with)
 * came back `null` with no error at their path. A later call's representation of the same entity that
 * lacks such a field gets it back as `null`; a field that failed stays absent. Top-level fields only; the
 * notes live with the operation's context and are bounded by its own results.
 */
export function useRequiredNulls(): GatewayPlugin {
  const byContext = new WeakMap<object, Seen>();
  return {
    onSubgraphExecute({ executionRequest, setExecutionRequest }) {
      const ctx = executionRequest.context as object | undefined;
      if (!ctx || executionRequest.operationType === 'subscription') return;
      const vars = executionRequest.variables ?? {};
      const repVars = Object.entries(vars).filter((e): e is [string, Rep[]] => isReps(e[1]));
      if (repVars.length === 0) return;
      let seen = byContext.get(ctx);
      if (seen) {
        const filled: Record<string, unknown> = {};
        for (const [name, reps] of repVars) {
          let changed = false;
          const next = reps.map((rep) => {
            const sets = seen!.fieldSets.get(rep.__typename!);
            if (!sets) return rep;
            let out = rep;
            for (const set of sets) {
              const fields = JSON.parse(set) as string[];
              if (!fields.every((f) => f in rep)) continue;
              for (const f of seen!.nulls.get(repKey(rep, fields)) ?? []) {
                if (f in out) continue;
                if (out === rep) out = { ...rep };
                out[f] = null;
                changed = true;
              }
            }
            return out;
          });
          if (changed) filled[name] = next;
        }
        if (Object.keys(filled).length) setExecutionRequest({ ...executionRequest, variables: { ...vars, ...filled } });
      }
      return ({ result }) => {
        if (!result || Symbol.asyncIterator in (result as object)) return;
        const r = result as ExecutionResult;
        const data = r.data as Record<string, unknown> | null | undefined;
        if (!data) return;
        // `_entities` (or the batch's aliases) answer the representation variable of the same position
        const answers = Object.values(data).filter(Array.isArray) as unknown[][];
        if (answers.length !== repVars.length) return;
        const failed = new Set((r.errors ?? []).map((e) => JSON.stringify(e.path?.slice(0, 3) ?? null)));
        const answerKeys = Object.keys(data).filter((k) => Array.isArray(data[k]));
        seen ??= { fieldSets: new Map(), nulls: new Map() };
        byContext.set(ctx, seen);
        repVars.forEach(([, reps], v) => {
          const answer = answers[v]!;
          reps.forEach((rep, i) => {
            const entity = answer[i] as Record<string, unknown> | null | undefined;
            if (!entity || typeof entity !== 'object') return;
            const fields = fieldsOf(rep).filter((f) => f !== '__typename');
            const nullFields = Object.keys(entity).filter((k) => entity[k] === null && !failed.has(JSON.stringify([answerKeys[v], i, k])));
            if (nullFields.length === 0) return;
            const set = JSON.stringify(fields);
            const sets = seen!.fieldSets.get(rep.__typename!) ?? new Set<string>();
            sets.add(set);
            seen!.fieldSets.set(rep.__typename!, sets);
            const key = repKey(rep, fields);
            const nulls = seen!.nulls.get(key) ?? new Set<string>();
            for (const f of nullFields) nulls.add(f);
            seen!.nulls.set(key, nulls);
          });
        });
      };
    },
  };
}
