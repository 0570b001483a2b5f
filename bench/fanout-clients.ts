/**
 * A share of the subscribers of bench/order-fanout.bench.ts in its own process (forked with an IPC
 * channel), so that 10,000 graphql-ws clients are not one event loop whose own backlog would count as
 * delivery latency. Protocol with the parent: it sends `{ url, apiKey, count, query }`; this answers
 * `{ ready: true, connected, failed }` once every client has connected or given up, `{ delivered }` as events arrive (throttled),
 * and `{ latencies, errors }` when told `{ report: true }`, then closes its clients and exits.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

interface Start {
  url: string;
  apiKey: string;
  count: number;
  query: string;
}

process.once('message', async (start: Start) => {
  const clients: Client[] = [];
  const latencies: number[] = [];
  let errors = 0;
  let connected = 0;
  let failed = 0;
  // the first few distinct error messages, for the report
  const messages = new Set<string>();
  const note = (e: unknown) => {
    if (messages.size < 5) messages.add((e instanceof Error ? e.message : (e as { reason?: string })?.reason ?? JSON.stringify(e)).slice(0, 200));
  };
  const acknowledged: Promise<void>[] = [];
  for (let i = 0; i < start.count; i++) {
    let ack!: () => void;
    acknowledged.push(new Promise<void>((r) => (ack = r)));
    // A loaded machine may reset a connection while thousands open at once: retry a few times, and count
    // a subscriber that never connects instead of waiting for it forever.
    const c = createClient({
      url: start.url,
      webSocketImpl: WebSocket,
      connectionParams: { 'x-api-key': start.apiKey },
      retryAttempts: 5,
      shouldRetry: () => true,
      lazy: false,
      onNonLazyError: () => (failed++, ack()),
      on: { connected: () => (connected++, ack()) },
    });
    clients.push(c);
    c.subscribe(
      { query: start.query },
      {
        next: (r) => {
          if (r.errors) (errors++, note(r.errors));
          else latencies.push(Date.now() - Date.parse((r.data as { orderStatusChanged: { at: string } }).orderStatusChanged.at));
        },
        error: (e) => (errors++, note(e)),
        complete: () => undefined,
      },
    );
    // open sockets in batches, so the gateway's accept queue is never the thing measured
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
  }
  await Promise.all(acknowledged);
  process.send!({ ready: true, connected, failed });
  const progress = setInterval(() => process.send!({ delivered: latencies.length }), 500);
  process.on('message', async (m: { report?: boolean }) => {
    if (!m.report) return;
    clearInterval(progress);
    process.send!({ latencies, errors, messages: [...messages] }, () => {
      void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0));
    });
  });
});
// the bench process is gone: nothing would ever ask for a report
process.on('disconnect', () => process.exit(0));
