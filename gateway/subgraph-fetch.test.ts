import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSubgraphFetch } from './subgraph-fetch';

/** The gateway's subgraph client against a real HTTP server on loopback. */
let server: Server;
let url: string;
const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, headers: req.headers, body });
      const size = Number(new URL(req.url!, 'http://x').searchParams.get('size') ?? 0);
      res.writeHead(200, { 'content-type': 'application/json', 'x-answer': 'yes' });
      res.end(size ? JSON.stringify({ data: { blob: 'x'.repeat(size) } }) : JSON.stringify({ data: { echo: body } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('subgraph fetch (undici pool)', () => {
  it('posts the body and headers as given and answers a whole Response', async () => {
    const fetch = createSubgraphFetch();
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-switchboard-caller': 'signed' }, body: '{"query":"{a}"}' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(await res.json()).toEqual({ data: { echo: '{"query":"{a}"}' } });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', headers: { 'x-switchboard-caller': 'signed' } });
  });

  it('refuses an answer larger than maxResponseBytes instead of reading it into memory', async () => {
    const fetch = createSubgraphFetch({ maxResponseBytes: 10_000 });
    await expect(fetch(`${url}?size=5000`, { method: 'POST', body: '{}', headers: {} }).then((r) => r.json())).resolves.toMatchObject({ data: {} });
    await expect(fetch(`${url}?size=50000`, { method: 'POST', body: '{}', headers: {} }).then((r) => r.text())).rejects.toThrow(/size|max/i);
  });
});
