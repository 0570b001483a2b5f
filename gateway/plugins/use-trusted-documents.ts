import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { defaultExtractPersistedOperationId, usePersistedOperations, type ExtractPersistedOperationId } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { CallerIdentity } from '../../platform/caller-identity';
import { ErrorCode } from '../../platform/errors';
import { count } from '../../platform/metrics';
import type { TrustedDocuments } from '../trusted-documents';

export interface TrustedDocumentsOptions {
  /** the registry (GATEWAY_TRUSTED_DOCUMENTS), loaded once the served schema is known; none: every id is PERSISTED_QUERY_NOT_IN_LIST */
  registry: () => TrustedDocuments | undefined;
  /** partners that opted in (`trustedDocumentsOnly` in PARTNER_KEYS): they may run registered operations only */
  requiredFor: ReadonlySet<string>;
}

/** The id a client sent: `documentId` (GraphQL-over-HTTP persisted documents) or Apollo's `extensions.persistedQuery.sha256Hash` (Yoga's own extractor). */
const documentIdOf: ExtractPersistedOperationId = (params, request, context) =>
  typeof (params as { documentId?: unknown }).documentId === 'string' ? (params as { documentId: string }).documentId : defaultExtractPersistedOperationId(params, request, context);

/**
 * Trusted documents at the gateway. Any caller may run a registered operation by its id: the registry's
 * text is run (parsed and validated as any other, both answered from the runtime's caches, so the depth,
 * alias and directive rules and the per-caller access checks apply to it as to any other). A
 * partner that opted in may run registered operations only — over HTTP, SSE and graphql-ws alike (the check
 * is on the executed document, after its caller is known): anything else is PERSISTED_QUERY_ID_REQUIRED,
 * and costs no subgraph call. An id the registry does not hold is PERSISTED_QUERY_NOT_IN_LIST. There is no
 * automatic registration (Apollo's APQ): the registry is what the operator deployed.
 */
export function useTrustedDocuments(opts: TrustedDocumentsOptions): GatewayPlugin[] {
  const refuse = (caller: CallerIdentity) => {
    count('gateway.trusted_documents.refused');
    return new GraphQLError(`partner ${caller.id} runs registered operations only: send {"documentId": "<sha256 of the operation>"} instead of the query text`, {
      extensions: { code: ErrorCode.PERSISTED_QUERY_ID_REQUIRED, http: { status: 400 } },
    });
  };
  // the operations (by their context) whose document came from the registry; the executed document itself
  // is not the registry's object any more (the runtime and the access checks transform it)
  const registered = new WeakSet<object>();
  const mustBeRegistered = (context: unknown) => {
    const caller = (context as { callerIdentity?: CallerIdentity | null } | undefined)?.callerIdentity;
    if (!caller || caller.kind !== 'partner' || !opts.requiredFor.has(caller.id)) return undefined;
    return registered.has(context as object) ? undefined : refuse(caller);
  };
  return [
    usePersistedOperations({
      allowArbitraryOperations: true,
      extractPersistedOperationId: documentIdOf,
      getPersistedOperation(id, _request, context) {
        const body = opts.registry()?.get(id);
        count(body ? 'gateway.trusted_documents.hit' : 'gateway.trusted_documents.unknown');
        if (body) registered.add(context);
        // the text, not the parsed document: Hive Router's planner plans from the operation's text (a parsed
        // document under a placeholder text answers 500 there); Yoga's parse cache makes it one parse per text
        return body ?? null;
      },
      customErrors: {
        notFound: { message: 'no registered operation has this id (GATEWAY_TRUSTED_DOCUMENTS)', extensions: { code: ErrorCode.PERSISTED_QUERY_NOT_IN_LIST, http: { status: 400 } } },
        keyNotFound: { message: 'send a query, or the documentId of a registered operation', extensions: { code: ErrorCode.PERSISTED_QUERY_ID_REQUIRED, http: { status: 400 } } },
      },
    }) as GatewayPlugin,
    {
      onExecute({ args, setResultAndStopExecution }) {
        const refused = mustBeRegistered(args.contextValue);
        if (refused) setResultAndStopExecution({ errors: [refused] });
      },
      onSubscribe({ args, setResultAndStopExecution }) {
        const refused = mustBeRegistered(args.contextValue);
        if (refused) setResultAndStopExecution({ errors: [refused] });
      },
    },
  ];
}
