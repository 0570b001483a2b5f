import { createHash } from 'node:crypto';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maxDepthRule } from './plugins/use-max-depth';
import { createTrustedDocuments, parseManifest, TRUSTED_DOCUMENTS_LIMITS } from './trusted-documents';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const schema = buildSchema('type Query { vehicle(plate: String!): Vehicle } type Vehicle { plate: String! owner: Vehicle }');
const CARD = 'query Card($p: String!) { vehicle(plate: $p) { plate } }';

describe('trusted documents registry', () => {
  it("reads Apollo's manifest and the plain id → body map alike", () => {
    const apollo = parseManifest(JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha(CARD), name: 'Card', type: 'query', body: CARD }] }));
    const map = parseManifest(JSON.stringify({ [sha(CARD)]: CARD }));
    expect(apollo).toEqual([{ id: sha(CARD), body: CARD }]);
    expect(map).toEqual(apollo);
    const registry = createTrustedDocuments(map, schema);
    expect(registry.size).toBe(1);
    expect(registry.get(sha(CARD))).toBe(CARD);
    expect(registry.get(`sha256:${sha(CARD)}`)).toBe(registry.get(sha(CARD)));
    expect(registry.get(sha('other'))).toBeUndefined();
  });

  it('refuses what it cannot trust, naming the id', () => {
    expect(() => parseManifest('{')).toThrow(/not JSON/);
    expect(() => parseManifest(JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 2, operations: [] }))).toThrow(/manifest \[version\]/);
    expect(() => parseManifest(JSON.stringify({ 'not-a-hash': CARD }))).toThrow(/sha256 hex/);
    expect(() => parseManifest(JSON.stringify({ [sha(CARD)]: 'x'.repeat(TRUSTED_DOCUMENTS_LIMITS.bodyLength + 1) }))).toThrow(/map \[/);
    const tooMany = Object.fromEntries(Array.from({ length: TRUSTED_DOCUMENTS_LIMITS.operations + 1 }, (_, i) => [sha(`q${i}`), `{ q${i} }`]));
    expect(() => parseManifest(JSON.stringify(tooMany))).toThrow(/at most 5000 operations/);
    expect(() => createTrustedDocuments([{ id: sha('x'), body: CARD }], schema)).toThrow(`id ${sha('x')} is not the sha256 of its body`);
    expect(() => createTrustedDocuments([{ id: sha('{ vehicle('), body: '{ vehicle(' }], schema)).toThrow(/does not parse/);
    expect(() => createTrustedDocuments([{ id: sha('{ car }'), body: '{ car }' }], schema)).toThrow(/not valid against the supergraph: Cannot query field "car"/);
    const two = '{ vehicle(plate: "A") { plate } } query B { vehicle(plate: "B") { plate } }';
    expect(() => createTrustedDocuments([{ id: sha(two), body: two }], schema)).toThrow(/not valid against the supergraph: This anonymous operation must be the only defined operation/);
    const fragmentOnly = 'fragment F on Vehicle { plate }';
    expect(() => createTrustedDocuments([{ id: sha(fragmentOnly), body: fragmentOnly }], schema)).toThrow(/not valid against the supergraph: Fragment "F" is never used/);
  });

  it("applies the gateway's own rules: a registered operation deeper than GATEWAY_MAX_DEPTH stops the start", () => {
    const deep = '{ vehicle(plate: "A") { owner { owner { owner { plate } } } } }';
    expect(() => createTrustedDocuments([{ id: sha(deep), body: deep }], schema, [maxDepthRule(3)])).toThrow(/depth 5 exceeds the limit of 3/);
    expect(createTrustedDocuments([{ id: sha(deep), body: deep }], schema, [maxDepthRule(12)]).size).toBe(1);
  });
});
