import { readFileSync } from 'node:fs';
import { createGatewayRuntime, type GatewayPlugin, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import wsTransport from '@graphql-mesh/transport-ws';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Logger } from '../platform/logger';
import { snapshot } from '../platform/metrics';
import { useHealthChecks, type SubgraphTarget } from './plugins/use-health-checks';
import { useMaxDepth } from './plugins/use-max-depth';
import { explorerGraphiQLOptions, renderExplorerPage, useExplorer, type ExplorerSetting } from './plugins/use-explorer';

/** Origins of Apollo's hosted Sandbox and Studio, so a developer can explore this gateway from them. */
export const APOLLO_SANDBOX_ORIGINS = ['https://studio.apollographql.com', 'https://sandbox.embed.apollographql.com'];

export interface GatewayOptions {
  /** supergraph SDL (composed by `npm run compose`) */
  supergraphSdl: string;
  /** where each subgraph actually listens (overrides the URLs recorded in the supergraph) */
  subgraphs: SubgraphTarget[];
  log: Logger;
  corsOrigins: string[];
  maxDepth: number;
  introspection: boolean;
  /** per subgraph call, in ms; a stalled subgraph answers UPSTREAM_TIMEOUT instead of hanging the client */
  upstreamTimeoutMs: number;
  /** GraphiQL at GET /graphql from installed assets (false: off, as in production unless GATEWAY_EXPLORER=true) */
  explorer?: ExplorerSetting;
  /** policies added by domains (caller identity, …) */
  plugins?: GatewayPlugin[];
}

const operationOf = (doc: DocumentNode) => doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)?.operation;

export const readSupergraph = (path: string) => readFileSync(path, 'utf8');

/** Names of the subgraphs a supergraph was composed from (its `join__Graph` values). */
export const subgraphsIn = (supergraphSdl: string) => new Set([...supergraphSdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((m) => m[1]!));

/**
 * The Hive Gateway runtime with Switchboard's policies, as a value (no listening, no env): `main.ts`
 * serves it on node:http, tests can call `gateway.fetch` directly.
 */
export function createSwitchboardGateway(opts: GatewayOptions): GatewayRuntime {
  const allowed = new Set([...APOLLO_SANDBOX_ORIGINS, ...opts.corsOrigins]);
  const transportEntries = Object.fromEntries(
    opts.subgraphs.map((s) => [
      s.name,
      {
        location: s.url,
        // Subscriptions go to subgraphs over graphql-ws at the same URL; queries and mutations over HTTP.
        options: { subscriptions: { kind: 'ws', location: s.url.replace(/^http/, 'ws') } },
      },
    ]),
  );
  return createGatewayRuntime({
    supergraph: opts.supergraphSdl,
    transports: { http: httpTransport, ws: wsTransport },
    transportEntries,
    logging: false,
    landingPage: false,
    graphiql: opts.explorer ? explorerGraphiQLOptions(opts.explorer) : false,
    renderGraphiQL: renderExplorerPage,
    graphqlEndpoint: '/graphql',
    multipart: true,
    // Not for subscriptions: the runtime's timeout would end every subscription after upstreamTimeoutMs
    // and then crash the process on an unhandled TimeoutError (seen with the Order subscriptions).
    upstreamTimeout: ({ executionRequest }) =>
      executionRequest && (executionRequest.operationType ?? operationOf(executionRequest.document)) === 'subscription' ? undefined : opts.upstreamTimeoutMs,
    cors: (request) => {
      const origin = request.headers.get('origin');
      return origin && allowed.has(origin)
        ? { origin, credentials: true, allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight'], methods: ['GET', 'POST', 'OPTIONS'] }
        : false;
    },
    disableIntrospection: opts.introspection ? undefined : { disableIf: () => true },
    plugins: () => [
      useHealthChecks({ subgraphs: opts.subgraphs, metrics: snapshot }),
      useExplorer(opts.explorer ?? false),
      useMaxDepth(opts.maxDepth),
      ...(opts.plugins ?? []),
    ],
  });
}
