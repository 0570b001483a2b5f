import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fieldPathsOf } from './use-field-error-paths';

/** The paths a failed subgraph call's errors get under Hive Router's planner: the fields it was to give. */
describe('fieldPathsOf', () => {
  it('an entity call: each field asked of each representation, by its type, in the call’s own terms', () => {
    const doc = parse(`query($representations: [_Any!]!) { _entities(representations: $representations) {
      __typename ... on Vehicle { customers { id } owner: primaryCustomer { id } } ... on Box { status } } }`);
    const reps = [{ __typename: 'Vehicle', plate: 'AB12CD' }, { __typename: 'Box', id: '1' }, { __typename: 'Vehicle', plate: 'XY34ZW' }];
    expect(fieldPathsOf(doc, undefined, { representations: reps })).toEqual([
      ['_entities', 0, 'customers'],
      ['_entities', 0, 'owner'],
      ['_entities', 1, 'status'],
      ['_entities', 2, 'customers'],
      ['_entities', 2, 'owner'],
    ]);
  });

  it('a batched entity call: its aliases and variables; fragment spreads are followed', () => {
    const doc = parse(`query($a: [_Any!]!, $b: [_Any!]!) { _e0: _entities(representations: $a) { ...V } _e1: _entities(representations: $b) { ... on Box { status } } }
      fragment V on Vehicle { customers { id } }`);
    expect(fieldPathsOf(doc, undefined, { a: [{ __typename: 'Vehicle' }], b: [{ __typename: 'Box' }, { __typename: 'Box' }] })).toEqual([
      ['_e0', 0, 'customers'],
      ['_e1', 0, 'status'],
      ['_e1', 1, 'status'],
    ]);
  });

  it('a root call: each root field by its response key', () => {
    expect(fieldPathsOf(parse('{ v: vehicle(plate: "X") { plate } orders { edges { cursor } } __typename }'), undefined, {})).toEqual([['v'], ['orders']]);
  });
});
