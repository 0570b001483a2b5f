import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import { TRACER_NAME } from './telemetry';

const end = (span: Span, err?: unknown) => {
  if (err) {
    span.recordException(err as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
  }
  span.end();
};

/**
 * GraphQL spans for an Apollo subgraph: `graphql.parse`, `graphql.validate` and `graphql.execute` under the
 * request's SERVER span (started by `serveTraced`), and the operation's name, type and error codes on that
 * span. Used instead of `@opentelemetry/instrumentation-graphql`, which patches `graphql` at load time and so
 * needs import hooks under ESM. Added to the server only when tracing is on.
 */
export function graphqlTracingPlugin<C extends BaseContext>(): ApolloServerPlugin<C> {
  const tracer = trace.getTracer(TRACER_NAME);
  return {
    async requestDidStart() {
      const parent = context.active();
      const server = trace.getSpan(parent);
      const child = (name: string) => tracer.startSpan(name, {}, parent);
      let operation: string | undefined;
      return {
        async parsingDidStart() {
          const span = child('graphql.parse');
          return async (err) => end(span, err);
        },
        async validationDidStart() {
          const span = child('graphql.validate');
          return async (errs) => end(span, errs?.[0]);
        },
        async didResolveOperation({ operationName, operation: op }) {
          if (!op) return;
          operation = `${op.operation}${operationName ? ` ${operationName}` : ''}`;
          server?.setAttributes({ 'graphql.operation.type': op.operation, ...(operationName ? { 'graphql.operation.name': operationName } : {}) });
        },
        async executionDidStart() {
          const span = child('graphql.execute');
          if (operation) span.setAttribute('graphql.operation', operation);
          return { async executionDidEnd(err) { end(span, err); } };
        },
        async didEncounterErrors({ errors }) {
          const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')))];
          server?.setAttributes({ 'graphql.error.count': errors.length, 'graphql.error.codes': codes });
        },
      };
    },
  };
}
