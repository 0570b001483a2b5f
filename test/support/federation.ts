import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, type GatewayPlugin, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import httpTransport from '@graphql-mesh/transport-http';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { parse } from 'graphql';
import subscriptionTransport from '../../gateway/subscription-transport';
import { silentLogger } from '../../platform/logger';
import { attachSubscriptionServer } from '../../platform/subscription-server';
import { startSubgraphServer, type RunningSubgraph } from '../../platform/subgraph-server';

/**
 * A small federation for testing one gateway plugin against the real runtime: subgraphs of a few lines
 * (Apollo subgraph schemas, graphql-ws beside HTTP) on loopback, composed like `npm run compose` does,
 * and a bare Hive Gateway runtime on them with either planner and only the plugins a test gives.
 */
export interface TestSubgraph {
  name: string;
  typeDefs: string;
  resolvers: GraphQLResolverMap<unknown>;
}

export interface TestFederation {
  supergraphSdl: string;
  subgraphs: RunningSubgraph[];
  /** a gateway runtime on these subgraphs: `rust` Hive Router's planner, otherwise the JS one */
  gateway(opts: { planner: 'js' | 'rust'; plugins?: GatewayPlugin[] }): GatewayRuntime;
  close(): Promise<void>;
}

export async function startFederation(defs: TestSubgraph[]): Promise<TestFederation> {
  const subgraphs: RunningSubgraph[] = [];
  for (const d of defs) {
    const schema = buildSubgraphSchema([{ typeDefs: parse(d.typeDefs), resolvers: d.resolvers }]);
    const running = await startSubgraphServer({ name: d.name, schema, context: () => ({}), log: silentLogger, drain: { delayMs: 0, graceMs: 1_000 } }, 0);
    attachSubscriptionServer(running, { schema, context: () => ({}), log: silentLogger });
    subgraphs.push(running);
  }
  const composed = composeServices(defs.map((d, i) => ({ name: d.name, url: subgraphs[i]!.url, typeDefs: parse(d.typeDefs) })));
  if (composed.errors?.length) throw new Error(`composition failed: ${composed.errors.map((e) => e.message).join('; ')}`);
  const supergraphSdl = composed.supergraphSdl!;
  const gateways: GatewayRuntime[] = [];
  return {
    supergraphSdl,
    subgraphs,
    gateway({ planner, plugins = [] }) {
      const gateway = createGatewayRuntime({
        supergraph: supergraphSdl,
        transports: { http: httpTransport, ws: subscriptionTransport },
        transportEntries: Object.fromEntries(defs.map((d, i) => [d.name, { options: { subscriptions: { kind: 'ws', location: subgraphs[i]!.url.replace(/^http/, 'ws') } } }])),
        unifiedGraphHandler: planner === 'rust' ? unifiedGraphHandler : undefined,
        logging: false,
        plugins: () => plugins,
      });
      gateways.push(gateway);
      return gateway;
    },
    async close() {
      for (const g of gateways) await g.dispose();
      for (const s of subgraphs) await s.close();
    },
  };
}

/** One query through a gateway runtime (no HTTP server: its `fetch`). */
export async function query<T = Record<string, any>>(gateway: GatewayRuntime, document: string, variables: Record<string, unknown> = {}) {
  const res = await gateway.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: document, variables }) });
  return (await res.json()) as { data?: T | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

type SubscriptionEvent = { data?: Record<string, any> | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };

/**
 * Every event of a subscription through a gateway runtime, over its SSE answer, until the stream ends;
 * `onEvent` is called as each arrives (a test can act mid-stream).
 */
export async function subscribeAll(gateway: GatewayRuntime, document: string, variables: Record<string, unknown> = {}, onEvent?: (event: SubscriptionEvent, index: number) => void) {
  const res = await gateway.fetch('http://gateway/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: document, variables }),
  });
  const events: SubscriptionEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const take = (block: string) => {
    const lines = block.split('\n');
    if (!lines.some((l) => l === 'event: next')) return;
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
    if (!data) return;
    const event = JSON.parse(data) as SubscriptionEvent;
    events.push(event);
    onEvent?.(event, events.length - 1);
  };
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      take(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
    }
  }
  if (buffered.trim()) take(buffered);
  return events;
}
