import { describe, expect, it } from 'vitest';
import { createLogger, redact } from './logger';

describe('logging never prints a credential', () => {
  it('replaces secret-named keys at any depth and bearer/basic values in strings', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 't' }, 'debug', (l) => lines.push(l));
    log.info('calling vendor', {
      headers: { authorization: 'Bearer abc.def.ghi', 'x-api-key': 'k-123' },
      body: { client_secret: 's3cret', password: 'hunter2', accessToken: 'tok', nested: [{ refresh_token: 'r' }] },
      note: 'sent Basic dXNlcjpwYXNz to the vendor',
      tokenCache: 'redis',
      tokenRequests: 3,
    });
    const out = lines.join('\n');
    for (const secret of ['abc.def.ghi', 'k-123', 's3cret', 'hunter2', '"tok"', '"r"', 'dXNlcjpwYXNz']) expect(out).not.toContain(secret);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.tokenCache).toBe('redis');
    expect(parsed.tokenRequests).toBe(3);
    expect(parsed.level).toBe('info');
  });

  it('respects the level', () => {
    const lines: string[] = [];
    const log = createLogger({}, 'warn', (l) => lines.push(l));
    log.info('hidden');
    log.warn('shown');
    expect(lines).toHaveLength(1);
  });

  it('redacts error messages too', () => {
    expect(JSON.stringify(redact(new Error('401 for Bearer xyz')))).not.toContain('xyz');
  });
});

describe('logs an operator can follow', () => {
  it('keeps the stack of an error and redacts credentials inside it', () => {
    const lines: string[] = [];
    const log = createLogger({ service: 't' }, 'debug', (l) => lines.push(l));
    const err = new Error('vendor said 401 for Bearer abc.def');
    log.error('call failed', { err });
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.err.type).toBe('Error');
    expect(parsed.err.stack).toContain('logger.test.ts');
    expect(lines[0]).not.toContain('abc.def');
    expect(parsed.service).toBe('t');
    expect(parsed.msg).toBe('call failed');
  });

  it('adds the request id to every line written inside a request context, and none outside', async () => {
    const { runWithRequestContext } = await import('./request-context');
    const lines: string[] = [];
    const log = createLogger({}, 'info', (l) => lines.push(l)).child({ component: 'x' });
    await runWithRequestContext({ requestId: 'req-42' }, async () => {
      log.info('before await');
      await new Promise((r) => setTimeout(r, 1));
      log.warn('after await');
    });
    log.info('outside');
    expect(lines.map((l) => JSON.parse(l).requestId)).toEqual(['req-42', 'req-42', undefined]);
    expect(JSON.parse(lines[1]!).component).toBe('x');
  });
});

describe('errors in logs', () => {
  it('keep the plain facts an error carries, redacted like any field', () => {
    const err = Object.assign(new Error('vendor said no'), { vendor: 'mmp', status: 503, apiKey: 'k-999', body: { big: 'object' } });
    const out = redact(err) as Record<string, unknown>;
    expect(out).toMatchObject({ type: 'Error', message: 'vendor said no', vendor: 'mmp', status: 503, apiKey: '[redacted]' });
    expect(out.body).toBeUndefined();
    expect(String(out.stack)).toContain('logger.test.ts');
  });
});
