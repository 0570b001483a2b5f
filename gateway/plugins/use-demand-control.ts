import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { MaxTokensParserWLexer } from '@escape.tech/graphql-armor-max-tokens';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type Source } from 'graphql';
import { ErrorCode } from '../../platform/errors';
import type { Logger } from '../../platform/logger';
import { count } from '../../platform/metrics';
import { costModelOf, estimateCost } from '../cost-model';

export interface DemandControlOptions {
  supergraphSdl: string;
  /** largest estimated cost (≈ vendor calls) of one operation */
  maxCost: number;
  /** assumed length of a list without @listSize */
  defaultListSize: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  log: Logger;
}

type Limit = 'cost' | 'aliases' | 'tokens' | 'directives' | 'listSize';

const refusal = (message: string, limit: Limit, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.COST_LIMIT_EXCEEDED, limit, ...extra, http: { status: 400 } } });

/**
 * Demand control before execution: an operation is measured against the supergraph's cost model
 * (`@cost` / `@listSize`, see cost-model.ts) and refused with COST_LIMIT_EXCEEDED — and the estimate in
 * `extensions.cost` — before the gateway plans or sends anything to a subgraph, so a refusal costs no
 * vendor call. Aliases and directives are counted in validation and tokens while parsing (graphql-armor's
 * rules and token-counting parser), so a 5,000-alias document stops at parse or validation.
 *
 * The runtime's own `demandControl` option was not used: it prices each subgraph request as the plan
 * runs (so earlier stages' vendor calls are already made when a later stage is refused) and ignores how
 * many entity representations a request carries; this one prices the client's operation as a whole.
 */
export function useDemandControl(opts: DemandControlOptions): GatewayPlugin {
  const model = costModelOf(opts.supergraphSdl);

  const reject = (limit: Limit) => (ctx: { reportError(e: GraphQLError): void } | null, err: GraphQLError) => {
    count(`gateway.limits.${limit}`);
    ctx?.reportError(refusal(err.message.replace(/^Syntax Error: /, ''), limit));
  };

  function check(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, variables: Record<string, unknown> | null | undefined): GraphQLError | undefined {
    const { cost, overList } = estimateCost(schema, model, document, operationName, variables, opts.defaultListSize);
    if (overList) {
      count('gateway.limits.listSize');
      return refusal(`${overList.field} may return at most ${overList.max} items per operation, aliases included; this operation asks for ${overList.requested}. Split it into smaller operations.`, 'listSize', {
        cost: { estimated: cost, max: opts.maxCost },
        listSize: overList,
      });
    }
    if (cost > opts.maxCost) {
      count('gateway.limits.cost');
      opts.log.info('operation refused: estimated cost over the limit', { cost, max: opts.maxCost, operationName: operationName ?? undefined });
      return refusal(`This operation's estimated cost is ${cost}; at most ${opts.maxCost} is served per operation. Ask for fewer items or fields, or split the operation.`, 'cost', {
        cost: { estimated: cost, max: opts.maxCost },
      });
    }
    return undefined;
  }

  return {
    onParse({ setParseFn }) {
      setParseFn((source: string | Source, options) => {
        try {
          return new MaxTokensParserWLexer(source, { ...options, n: opts.maxTokens, exposeLimits: true, errorMessage: '', onAccept: [], onReject: [], propagateOnRejection: true }).parseDocument();
        } catch (err) {
          if (err instanceof GraphQLError && /Token limit/i.test(err.message)) {
            count('gateway.limits.tokens');
            throw refusal(`The document has more than ${opts.maxTokens} tokens; send a smaller operation.`, 'tokens', { maxTokens: opts.maxTokens });
          }
          throw err;
        }
      });
    },
    onValidate({ addValidationRule }) {
      addValidationRule(maxAliasesRule({ n: opts.maxAliases, exposeLimits: true, propagateOnRejection: false, onReject: [reject('aliases')] }));
      addValidationRule(maxDirectivesRule({ n: opts.maxDirectives, exposeLimits: true, propagateOnRejection: false, onReject: [reject('directives')] }));
    },
    onExecute({ args, setResultAndStopExecution }) {
      const err = check(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const err = check(args.schema, args.document, args.operationName, args.variableValues as Record<string, unknown> | undefined);
      if (err) setResultAndStopExecution({ errors: [err] });
    },
  };
}
