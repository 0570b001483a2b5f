import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEV_PARTNER_KEY } from '../platform/config/auth';
import { silentLogger } from '../platform/logger';
import { startSubgraphServer, type RunningSubgraph } from '../platform/subgraph-server';
import { freePort, repoRoot, spawnService, waitForHttp, type ChildService } from './support/processes';
import { startStack, type Stack } from './support/stack';

/**
 * Federated subscriptions through the Hive runtime: an event from the Order subgraph carries a field that
 * another subgraph resolves. No product subgraph extends Order yet, so the other subgraph here is a small
 * one of the test's own (`OrderAudit`), composed with the real Order schema into the supergraph the real
 * gateway serves. Each event must arrive with the foreign field resolved for that event's order.
 */
const AUDIT_SDL = /* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Order @key(fields: "id") {
    id: ID!
    auditTrail: String!
  }
`;

let stack: Stack;
let audit: RunningSubgraph;
let gateway: ChildService;
let gatewayUrl: string;
const resolved: string[] = [];

beforeAll(async () => {
  stack = await startStack({ sandboxes: ['vitec'], subgraphs: ['order'], env: { ORDER_JOB_POLL_MS: '200' } });
  const schema = buildSubgraphSchema([
    {
      typeDefs: parse(AUDIT_SDL),
      resolvers: {
        Order: {
          __resolveReference: (ref: { id: string }) => {
            resolved.push(ref.id);
            return { id: ref.id };
          },
          auditTrail: (o: { id: string }) => `audited:${o.id}`,
        },
      } as GraphQLResolverMap<unknown>,
    },
  ]);
  audit = await startSubgraphServer({ name: 'audit', log: silentLogger, schema, context: () => ({}) }, 0);

  const composed = composeServices([
    { name: 'order', url: stack.subgraphUrl('order'), typeDefs: parse(readFileSync(join(repoRoot, 'subgraphs/order/order.graphql'), 'utf8')) },
    { name: 'audit', url: audit.url, typeDefs: parse(AUDIT_SDL) },
  ]);
  expect(composed.errors ?? []).toEqual([]);
  const supergraphPath = join(stack.env.DATA_DIR!, 'supergraph.graphql');
  writeFileSync(supergraphPath, composed.supergraphSdl!);

  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}/graphql`;
  gateway = spawnService('gateway', 'gateway/main.ts', { ...stack.env, SUPERGRAPH_PATH: supergraphPath, GATEWAY_PORT: String(port) });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 45_000, gateway.child);
});
afterAll(async () => {
  await gateway?.stop();
  await audit?.close();
  await stack?.stop();
});

describe('federated subscription', () => {
  it('resolves another subgraph’s field on every Order event', async () => {
    const client = createClient({ url: gatewayUrl.replace('http', 'ws'), webSocketImpl: WebSocket, connectionParams: { 'x-api-key': DEV_PARTNER_KEY }, retryAttempts: 0 });
    const events: { status: string; order: { id: string; auditTrail: string } }[] = [];
    const subscription = client.iterate<{ orderStatusChanged: (typeof events)[number] }>({
      query: 'subscription { orderStatusChanged { status order { id auditTrail } } }',
    });
    const collecting = (async () => {
      for await (const r of subscription) {
        expect(r.errors).toBeUndefined();
        events.push(r.data!.orderStatusChanged);
        if (events.length === 2) break;
      }
    })();
    // Give the subscription time to reach the Order subgraph before the order is placed.
    await new Promise((r) => setTimeout(r, 500));
    const placed = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M125', authMode: 'none' }) });
    expect(placed.status).toBe(200);
    await Promise.race([collecting, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${events.length} events arrived`)), 15_000))]);
    await client.dispose();

    expect(events.map((e) => e.status)).toEqual(['RECEIVED', 'ACKNOWLEDGED']);
    const orderId = events[0]!.order.id;
    expect(events.every((e) => e.order.id === orderId && e.order.auditTrail === `audited:${orderId}`)).toBe(true);
    // One entity fetch from the other subgraph per event.
    expect(resolved.filter((id) => id === orderId)).toHaveLength(2);
  });
});
