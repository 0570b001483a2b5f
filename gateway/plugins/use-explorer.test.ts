import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config';
import { silentLogger } from '../../platform/logger';
import { createSwitchboardGateway, readSupergraph } from '../create-gateway';
import { explorerSetting, type ExplorerSetting } from './use-explorer';

const gatewayWith = (explorer: ExplorerSetting) =>
  createSwitchboardGateway({
    supergraphSdl: readSupergraph('schema/supergraph.graphql'),
    subgraphs: [],
    log: silentLogger,
    corsOrigins: [],
    maxDepth: 12,
    introspection: true,
    budgets: { queryBudgetMs: 1_000, mutationBudgetMs: 1_000 },
    explorer,
  });
const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'accept-encoding': 'gzip, deflate' };

describe('explorer setting', () => {
  it('is on with the development key in development, off in production unless GATEWAY_EXPLORER says so', () => {
    expect(explorerSetting(loadConfig({}))).toEqual({ apiKey: 'sb_dev_partner_key' });
    expect(explorerSetting(loadConfig({ GATEWAY_EXPLORER: 'false' }))).toBe(false);
    expect(explorerSetting(loadConfig({ SWITCHBOARD_ENV: 'production' }))).toBe(false);
    // explicitly on in production: the explorer, but never a development key
    expect(explorerSetting(loadConfig({ SWITCHBOARD_ENV: 'production', GATEWAY_EXPLORER: 'true' }))).toEqual({});
    // partner keys without the development partner: nothing to preload
    const other = `p1:${'a'.repeat(64)}:M123`;
    expect(explorerSetting(loadConfig({ PARTNER_KEYS: other }))).toEqual({});
  });
});

describe('gateway with the explorer on', () => {
  const gateway = gatewayWith({ apiKey: 'sb_dev_partner_key' });
  afterAll(() => gateway.dispose());

  it('serves GraphiQL at /graphql from its own assets, preloaded with the key, and / leads there', async () => {
    const root = await gateway.fetch('http://gw/', { headers: browser, redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/graphql');

    const page = await gateway.fetch('http://gw/graphql', { headers: browser });
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).not.toContain('__TITLE__');
    expect(html).not.toMatch(/(src|href)="https?:/); // nothing from a CDN
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    expect(scripts).toEqual([expect.stringMatching(/^\/explorer\/graphiql\.js\?v=[0-9a-f]{12}$/)]);
    expect(html).toContain('"headers":"{\\n  \\"x-api-key\\": \\"sb_dev_partner_key\\"\\n}"');
    expect(html).toContain('<noscript>');
    expect(html).toContain("-H 'x-api-key: sb_dev_partner_key'");

    const js = await gateway.fetch(`http://gw${scripts[0]}`, { headers: browser });
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toContain('immutable');
    const body = Buffer.from(await js.arrayBuffer());
    const text = js.headers.get('content-encoding') === 'gzip' ? gunzipSync(body).toString() : body.toString();
    expect(text).toContain('renderYogaGraphiQL');
    for (const worker of ['editorWorkerService', 'json', 'graphql']) expect((await gateway.fetch(`http://gw/explorer/worker/${worker}.js`)).status).toBe(200);
    expect((await gateway.fetch('http://gw/explorer/nope.js')).status).toBe(404);
  });
});

describe('gateway with the explorer off (production)', () => {
  const gateway = gatewayWith(false);
  afterAll(() => gateway.dispose());

  it('serves no page, no assets and no redirect', async () => {
    const page = await gateway.fetch('http://gw/graphql', { headers: browser });
    expect(page.headers.get('content-type') ?? '').not.toContain('text/html');
    expect((await gateway.fetch('http://gw/', { headers: browser, redirect: 'manual' })).status).toBe(404);
    expect((await gateway.fetch('http://gw/explorer/graphiql.js')).status).toBe(404);
  });
});
