import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumForTests, launchChromium } from './support/chromium';
import { startStack, type Stack } from './support/stack';

/**
 * The developer explorer in a real browser, offline: headless Chromium may reach only the gateway on
 * loopback (anything else is aborted and recorded), opens the URL `npm start` prints, runs the README
 * query and shows the result; when the explorer cannot load, the page says so and its curl works.
 */
const VIN = 'VF7RDRFJC9L554165';

describe.runIf(chromiumForTests())('explorer in headless Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  let origin: string;
  const offsite: string[] = [];
  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      startStack({ sandboxes: ['mmp', 'vitec'], subgraphs: ['vehicle', 'order'], gateway: true, env: { ORDER_EVENTS_CHANNEL: `test:order-events:${randomUUID()}`, ORDER_JOB_POLL_MS: '200' } }),
      launchChromium(),
    ]);
    origin = new URL(stack.gatewayUrl).origin;
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh context that can reach nothing but the gateway, as on a machine without internet. */
  async function offline(options: Parameters<Browser['newContext']>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext(options);
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      offsite.push(url);
      return route.abort('internetdisconnected');
    });
    return { context, page: await context.newPage() };
  }

  it('renders GraphiQL from the gateway alone, runs the query with the development key and shows the result', async () => {
    const { context, page } = await offline();
    const sent: Record<string, string>[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url() === `${origin}/graphql` && !(r.postData() ?? '').includes('IntrospectionQuery')) sent.push(r.headers());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    await page.goto(`${origin}/`); // what the start banner prints; redirects to /graphql
    expect(new URL(page.url()).pathname).toBe('/graphql');
    await page.waitForSelector('.graphiql-container', { timeout: 25_000 });
    expect(await page.title()).toBe('Switchboard GraphiQL');
    await page.click('.graphiql-execute-button');
    await page.waitForFunction((vin) => document.querySelector('.graphiql-response')?.textContent?.includes(vin), VIN, { timeout: 20_000 });
    expect((await page.textContent('.graphiql-response'))!.replace(/\s+/g, ' ')).toContain('"plate": "ABC123"');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.at(-1)!['x-api-key']).toBe('sb_dev_partner_key');
    expect(await page.isHidden('#explorer-error')).toBe(true);
    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
    await context.close();
  });

  it('says what failed and shows a curl that works when the explorer cannot load', async () => {
    const { context, page } = await offline();
    await page.route('**/explorer/graphiql.js*', (route) => route.abort('failed'));
    await page.goto(`${origin}/graphql`);
    await page.waitForSelector('#explorer-error:not([hidden])', { timeout: 10_000 });
    expect(await page.textContent('#explorer-error-what')).toContain('/explorer/graphiql.js');
    const curl = (await page.textContent('#explorer-curl'))!;
    expect(curl).toContain(`curl -s ${origin}/graphql`);
    expect(curl).toContain("-H 'x-api-key: sb_dev_partner_key'");
    const { stdout } = await promisify(execFile)('sh', ['-c', curl]);
    expect(JSON.parse(stdout)).toMatchObject({ data: { vehicle: { plate: 'ABC123', information: { vin: VIN } } } });
    await context.close();
  });

  it('without JavaScript, the page says so and shows the curl', async () => {
    const { context, page } = await offline({ javaScriptEnabled: false });
    await page.goto(`${origin}/graphql`);
    const text = await page.textContent('body');
    expect(text).toContain('needs JavaScript');
    expect(text).toContain("curl -s <this URL> -H 'content-type: application/json' -H 'x-api-key: sb_dev_partner_key'");
    await context.close();
  });

  it('a subscription typed into GraphiQL carries the preloaded key and shows the events as they come', async () => {
    const { context, page } = await offline();
    await page.goto(`${origin}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 25_000 });
    await page.click('.graphiql-query-editor');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText('subscription Follow { orderStatusChanged { eventId status } }');
    // GraphiQL takes the edit in after a debounce and then mirrors it in the URL: run only once it has.
    await page.waitForURL(/orderStatusChanged/, { timeout: 10_000 });
    // GraphiQL subscribes over SSE (a GET with the operation in the URL), with the headers of the editor.
    const subscribed = page.waitForRequest((r) => r.url().includes('orderStatusChanged'));
    const opened = page.waitForResponse((r) => r.url().includes('orderStatusChanged'));
    await page.click('.graphiql-execute-button');
    const request = await subscribed;
    expect(request.headers()['x-api-key']).toBe('sb_dev_partner_key');
    expect(request.headers()['accept']).toContain('text/event-stream');

    // Once the event stream is open, Vitec places an order; the page shows its status events.
    await opened;
    await new Promise((r) => setTimeout(r, 300));
    const placed = await fetch(`${stack.sandboxUrl('vitec')}/__sandbox/place-order`, { method: 'POST', body: JSON.stringify({ customerId: 'M123', authMode: 'token' }) });
    expect(placed.status).toBe(200);
    await page.waitForFunction(() => /"status":\s*"(RECEIVED|ACKNOWLEDGED)"/.test((document.querySelector('.graphiql-response')?.textContent ?? '').replace(/\s+/g, ' ')), undefined, { timeout: 20_000 });
    expect((await page.textContent('.graphiql-response'))!).not.toContain('UNAUTHENTICATED');
    await context.close();
  });
});
