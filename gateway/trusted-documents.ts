import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse, validate, specifiedRules, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { z } from 'zod';

/**
 * Trusted documents (persisted operations): operations registered ahead of time, which a client runs by id
 * (`{"documentId": "<sha256>"}` or Apollo's `extensions.persistedQuery.sha256Hash`) instead of sending the
 * text. The registry is a file in Apollo's persisted-query-manifest format — what
 * `@apollo/generate-persisted-query-manifest` writes —
 *
 *   {"format": "apollo-persisted-query-manifest", "version": 1,
 *    "operations": [{"id": "<sha256 hex of body>", "name": "VehicleCard", "type": "query", "body": "query VehicleCard…"}]}
 *
 * or a plain `{"<sha256 hex of body>": "<body>"}` map (graphql-codegen's `persistedDocuments`, Relay). Each id
 * must be the SHA-256 of its body: an id names exactly one text, so a registered id can never be made to
 * mean another operation. Every body is parsed once here and checked against the served schema with the
 * gateway's own validation rules (depth, aliases, directives), so a stale or oversized registry stops
 * the gateway at start instead of failing its clients one by one.
 */
export interface TrustedDocuments {
  /** the text registered under `id` (sha256 hex, optionally `sha256:`-prefixed), checked at load */
  get(id: string): string | undefined;
  readonly size: number;
}

/** Largest registry accepted: 5,000 operations of at most 65,536 characters each (a partner app has dozens). */
export const TRUSTED_DOCUMENTS_LIMITS = { operations: 5_000, bodyLength: 64 * 1024 } as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'ids are the sha256 hex of the body');
const body = z.string().min(1).max(TRUSTED_DOCUMENTS_LIMITS.bodyLength);
const apolloManifest = z
  .object({
    format: z.literal('apollo-persisted-query-manifest'),
    version: z.literal(1),
    operations: z.array(z.object({ id: sha256Hex, name: z.string().optional(), type: z.enum(['query', 'mutation', 'subscription']).optional(), body }).passthrough()).max(TRUSTED_DOCUMENTS_LIMITS.operations),
  })
  .passthrough();
const plainMap = z.record(sha256Hex, body).refine((m) => Object.keys(m).length <= TRUSTED_DOCUMENTS_LIMITS.operations, `at most ${TRUSTED_DOCUMENTS_LIMITS.operations} operations`);

export class TrustedDocumentsError extends Error {
  override name = 'TrustedDocumentsError';
}

/** The (id, body) pairs of a manifest's text; throws TrustedDocumentsError saying what is wrong. */
export function parseManifest(text: string): { id: string; body: string }[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new TrustedDocumentsError('trusted documents: the manifest is not JSON');
  }
  const isApollo = typeof raw === 'object' && raw !== null && 'format' in raw;
  const parsed = isApollo ? apolloManifest.safeParse(raw) : plainMap.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TrustedDocumentsError(`trusted documents: ${isApollo ? 'manifest' : 'map'} [${issue.path.join('.')}]: ${issue.message}`);
  }
  return isApollo
    ? (parsed.data as z.infer<typeof apolloManifest>).operations.map((o) => ({ id: o.id, body: o.body }))
    : Object.entries(parsed.data as Record<string, string>).map(([id, b]) => ({ id, body: b }));
}

/**
 * The registry of `entries`, each checked: id = sha256(body), the body parses and validates against
 * `schema` with the graphql-js rules (which also refuse an anonymous operation beside others, and a
 * fragment no operation uses) plus `rules` (the gateway's own). Throws TrustedDocumentsError naming the first bad id.
 */
export function createTrustedDocuments(entries: { id: string; body: string }[], schema: GraphQLSchema, rules: ValidationRule[] = []): TrustedDocuments {
  const byId = new Map<string, string>();
  for (const { id, body: text } of entries) {
    const actual = createHash('sha256').update(text).digest('hex');
    if (actual !== id) throw new TrustedDocumentsError(`trusted documents: id ${id} is not the sha256 of its body (${actual})`);
    let document: DocumentNode;
    try {
      document = parse(text);
    } catch (err) {
      throw new TrustedDocumentsError(`trusted documents: ${id} does not parse: ${(err as Error).message}`);
    }
    const errors = validate(schema, document, [...specifiedRules, ...rules]);
    if (errors.length) throw new TrustedDocumentsError(`trusted documents: ${id} is not valid against the supergraph: ${errors[0]!.message}`);
    byId.set(id, text);
  }
  return {
    get: (id) => byId.get(id.startsWith('sha256:') ? id.slice(7) : id),
    size: byId.size,
  };
}

/** The registry in the manifest file at `path` (GATEWAY_TRUSTED_DOCUMENTS). */
export function loadTrustedDocuments(path: string, schema: GraphQLSchema, rules: ValidationRule[] = []): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new TrustedDocumentsError(`trusted documents: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return createTrustedDocuments(parseManifest(text), schema, rules);
}
