import {
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  parse,
  valueFromASTUntyped,
  type ConstDirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/**
 * The cost model the supergraph declares: `@cost(weight:)` on fields and types (about one unit per vendor
 * call the field may cause) and `@listSize` on list fields (IBM / Apollo demand-control directives, imported
 * through federation 2.9 and composed into schema/supergraph.graphql).
 */
export interface CostModel {
  fieldCost: Map<string, number>;
  typeCost: Map<string, number>;
  listSize: Map<string, { assumedSize?: number; slicingArguments?: string[]; sizedFields?: string[] }>;
}

const arg = (d: ConstDirectiveNode, name: string) => {
  const a = d.arguments?.find((x) => x.name.value === name);
  return a ? valueFromASTUntyped(a.value) : undefined;
};

/** Reads @cost and @listSize from the supergraph SDL (by name: the supergraph imports both from cost/v0.1). */
export function costModelOf(supergraphSdl: string): CostModel {
  const model: CostModel = { fieldCost: new Map(), typeCost: new Map(), listSize: new Map() };
  const doc = parse(supergraphSdl, { noLocation: true });
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION && def.kind !== Kind.INTERFACE_TYPE_DEFINITION) continue;
    const type = def.name.value;
    for (const d of def.directives ?? []) if (d.name.value === 'cost') model.typeCost.set(type, Number(arg(d, 'weight')) || 0);
    for (const f of def.fields ?? []) {
      const coord = `${type}.${f.name.value}`;
      for (const d of f.directives ?? []) {
        if (d.name.value === 'cost') model.fieldCost.set(coord, (model.fieldCost.get(coord) ?? 0) + (Number(arg(d, 'weight')) || 0));
        if (d.name.value === 'listSize') {
          model.listSize.set(coord, {
            assumedSize: arg(d, 'assumedSize') as number | undefined,
            slicingArguments: arg(d, 'slicingArguments') as string[] | undefined,
            sizedFields: arg(d, 'sizedFields') as string[] | undefined,
          });
        }
      }
    }
  }
  return model;
}

export interface CostEstimate {
  /** estimated vendor calls of the whole operation */
  cost: number;
  /** a list field asked for more items in total (over every alias) than its @listSize assumedSize allows */
  overList?: { field: string; requested: number; max: number };
}

/**
 * Estimates an operation's cost before anything executes: every field costs its `@cost` plus the `@cost`
 * of the type it returns, multiplied by the sizes of the lists it sits under. A list's size is, in order:
 * its integer slicing argument (`first`), the number of items given to its list argument (`plates`, `ids`:
 * one result per item), its `assumedSize`, else `defaultListSize`. Aliases and fragments are counted
 * wherever they are spread, so 300 aliases of one field cost 300 times that field.
 *
 * Where a list field's size comes from its arguments, the sizes asked for over the whole operation are
 * also added up per field and held to its `assumedSize`: the per-field cap (100 plates for `vehicles`)
 * cannot be passed by asking for it under several aliases.
 */
export function estimateCost(
  schema: GraphQLSchema,
  model: CostModel,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  defaultListSize: number,
): CostEstimate {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops[0];
  if (!op) return { cost: 0 };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const vars = variables ?? {};
  const valueOf = (v: ValueNode) => valueFromASTUntyped(v, vars as Record<string, unknown>);
  const requestedPerField = new Map<string, number>();
  let overList: CostEstimate['overList'];

  const root = op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return { cost: 0 };

  const fieldsOf = (t: GraphQLNamedType) => (isObjectType(t) || isInterfaceType(t) ? t.getFields() : undefined);

  function listFactor(coord: string, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): { factor: number; fromArgs: boolean } {
    const ls = model.listSize.get(coord);
    for (const name of ls?.slicingArguments ?? []) {
      const n = Number(args[name] ?? field.args.find((a) => a.name === name)?.defaultValue);
      if (Number.isFinite(n) && n > 0) return { factor: n, fromArgs: true };
    }
    // one result per item of the list argument (vehicles(plates:), workshops(ids:))
    const listArg = field.args.find((a) => isListType(getNullableType(a.type)));
    if (listArg && Array.isArray(args[listArg.name])) return { factor: (args[listArg.name] as unknown[]).length, fromArgs: true };
    if (ls?.assumedSize != null) return { factor: ls.assumedSize, fromArgs: false };
    return { factor: defaultListSize, fromArgs: false };
  }

  function walk(set: SelectionSetNode, parent: GraphQLNamedType, multiplier: number, sized: Map<string, number>, seen: Set<string>): number {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? (schema.getType(sel.typeCondition.name.value) ?? parent) : parent;
        cost += walk(sel.selectionSet, t, multiplier, sized, seen);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const f = fragments.get(sel.name.value);
        if (!f || seen.has(f.name.value)) continue;
        cost += walk(f.selectionSet, schema.getType(f.typeCondition.name.value) ?? parent, multiplier, sized, new Set([...seen, f.name.value]));
        continue;
      }
      if (sel.name.value.startsWith('__')) continue;
      // a union's members or an interface: charge the field as found on any possible type (the highest)
      const candidates = isUnionType(parent) || isInterfaceType(parent) ? [parent, ...schema.getPossibleTypes(parent as never)] : [parent];
      let best = 0;
      for (const t of candidates) {
        const field = fieldsOf(t)?.[sel.name.value];
        if (!field) continue;
        const coord = `${t.name}.${field.name}`;
        const args: Record<string, unknown> = {};
        for (const a of sel.arguments ?? []) args[a.name.value] = valueOf(a.value);
        const named = getNamedType(field.type);
        let factor = 1;
        const sizedBy = sized.get(field.name);
        if (sizedBy !== undefined) factor = sizedBy;
        else if (isListType(getNullableType(field.type))) {
          const lf = listFactor(coord, field, args);
          factor = lf.factor;
          const max = model.listSize.get(coord)?.assumedSize;
          if (lf.fromArgs && max != null) {
            const total = (requestedPerField.get(coord) ?? 0) + factor * multiplier;
            requestedPerField.set(coord, total);
            if (total > max && !overList) overList = { field: coord, requested: total, max };
          }
        }
        // `sizedFields`: the slicing argument sizes a child list (connection edges), not this field
        const ls = model.listSize.get(coord);
        const childSized = new Map<string, number>();
        if (ls?.sizedFields?.length) {
          const lf = listFactor(coord, field, args);
          for (const s of ls.sizedFields) childSized.set(s, lf.factor);
          factor = 1;
        }
        const inner = multiplier * factor;
        // a field's own @cost is paid once per parent item; its type's @cost once per object it returns
        const returnsList = isListType(getNullableType(field.type)) && !ls?.sizedFields?.length;
        let c = (model.fieldCost.get(coord) ?? 0) * multiplier + (model.typeCost.get(named.name) ?? 0) * (returnsList ? inner : multiplier);
        if (sel.selectionSet) c += walk(sel.selectionSet, named, inner, childSized, seen);
        best = Math.max(best, c);
      }
      cost += best;
    }
    return cost;
  }

  const cost = walk(op.selectionSet, root, 1, new Map(), new Set());
  return { cost, overList };
}
