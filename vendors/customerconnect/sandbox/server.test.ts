import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCustomerConnectSandbox, type RunningCustomerConnectSandbox } from './server';
import { seededDay } from './data';

let sb: RunningCustomerConnectSandbox;
const CAP = '/ccplatform/api/v1/capacity';
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

async function tokenCall(auth: string | undefined, form: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  const res = await fetch(`${sb.url}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...(auth ? { authorization: auth } : {}) },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const publisherToken = async (userid = '121212') => (await tokenCall(basic('Autoflex', 'geheim'), { grant_type: 'client_credentials', userid })).body.access_token as string;
const readerToken = async () => (await tokenCall(basic('Garagevergelijker', 'sandbox-reader-secret'), { grant_type: 'client_credentials' })).body.access_token as string;
const day = (date: string, available = 240, booked = 60) => ({ date, openingHours: [{ open: '08:00', close: '17:00' }], capacity: [{ workType: 'APK', availableMinutes: available, bookedMinutes: booked }] });
const post = async (token: string, body: unknown) => {
  const res = await fetch(sb.url + CAP, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, any>, headers: res.headers };
};
const get = async (token: string, query: string) => {
  const res = await fetch(`${sb.url}${CAP}?${query}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

beforeAll(async () => {
  sb = await startCustomerConnectSandbox({ seedFrom: '2030-03-04', seedDays: 14 });
});
afterAll(() => sb.close());
beforeEach(() => fetch(`${sb.url}/__sandbox/reset`, { method: 'POST' }));

describe('token endpoint (IdentityServer-like)', () => {
  it('issues a publisher token for a registered userid and a reader token without one', async () => {
    const p = await tokenCall(basic('Autoflex', 'geheim'), { grant_type: 'client_credentials', userid: '121212' });
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'ccplatform.capacity.write' });
    const r = await tokenCall(basic('Garagevergelijker', 'sandbox-reader-secret'), { grant_type: 'client_credentials' });
    expect(r.body).toMatchObject({ scope: 'ccplatform.capacity.read' });
    expect(sb.stats().tokenRequests).toBe(2);
  });

  it('answers invalid_client, invalid_grant, invalid_request and unsupported_grant_type like IdentityServer', async () => {
    expect(await tokenCall(basic('Autoflex', 'wrong'), { grant_type: 'client_credentials', userid: '121212' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await tokenCall(basic('Nobody', 'geheim'), { grant_type: 'client_credentials', userid: '121212' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await tokenCall(undefined, { grant_type: 'client_credentials', userid: '121212' })).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    expect(await tokenCall(basic('Autoflex', 'geheim'), { grant_type: 'client_credentials', userid: '999999' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await tokenCall(basic('Autoflex', 'geheim'), { grant_type: 'client_credentials' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await tokenCall(basic('Autoflex', 'geheim'), { grant_type: 'password', userid: '121212' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    const json = await fetch(`${sb.url}/connect/token`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: basic('Autoflex', 'geheim') }, body: '{}' });
    expect(json.status).toBe(400);
  });
});

describe('capacity resource', () => {
  it('refuses a reader token on the write side and a publisher token on the read side with a 403 ProblemDetails', async () => {
    const w = await post(await readerToken(), { days: [day('2030-03-04')] });
    expect(w.status).toBe(403);
    expect(w.body).toMatchObject({ status: 403, title: 'Forbidden', detail: expect.stringContaining('ccplatform.capacity.write') });
    const r = await get(await publisherToken(), 'userid=121212&from=2030-03-04&to=2030-03-04');
    expect(r.status).toBe(403);
    expect(r.body.detail).toContain('Autoflex');
    const none = await post('forged', { days: [day('2030-03-04')] });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('invalid_token');
    expect(sb.posts()).toEqual([]);
  });

  it('accepts one day or five consecutive days and nothing else', async () => {
    const t = await publisherToken();
    expect((await post(t, { days: [day('2030-03-04')] })).status).toBe(200);
    const five = ['2030-03-10', '2030-03-11', '2030-03-12', '2030-03-13', '2030-03-14'].map((d) => day(d));
    expect(await post(t, { days: five })).toMatchObject({ status: 200, body: { userid: '121212', stored: five.map((d) => d.date) } });
    const three = await post(t, { days: five.slice(0, 3) });
    expect(three.status).toBe(400);
    expect(three.body.errors.days[0]).toContain('not 3');
    const gap = await post(t, { days: [...five.slice(0, 4), day('2030-03-20')] });
    expect(gap.body.errors.days[0]).toContain('consecutive');
    expect(sb.posts().map((p) => p.dates.length)).toEqual([1, 5]);
  });

  it('validates the payload field by field', async () => {
    const t = await publisherToken();
    const bad = {
      date: '2030-02-30',
      openingHours: [{ open: '08:00', close: '12:30' }, { open: '12:00', close: '17:00' }],
      capacity: [{ workType: 'APK', availableMinutes: -5, bookedMinutes: 0 }, { workType: 'WASSEN', availableMinutes: 10, bookedMinutes: 20 }],
    };
    const res = await post(t, { days: [bad] });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors).sort()).toEqual(['days[0].capacity[0].availableMinutes', 'days[0].capacity[1].bookedMinutes', 'days[0].capacity[1].workType', 'days[0].date', 'days[0].openingHours[1]']);
    expect(sb.storedDays('121212')).toEqual([]);
  });

  it('stores what was posted, replacing a day on a repeat, and reads several users in one call', async () => {
    const t = await publisherToken();
    await post(t, { days: [day('2030-03-04', 240, 60)] });
    await post(t, { days: [day('2030-03-04', 300, 90)] });
    expect(sb.storedDays('121212')).toEqual([day('2030-03-04', 300, 90)]);
    const r = await get(await readerToken(), 'userid=121212,6060001,424242&from=2030-03-04&to=2030-03-05');
    expect(r.status).toBe(200);
    expect(r.body.unknown).toEqual(['424242']);
    expect(r.body.users).toEqual([
      { userid: '121212', days: [day('2030-03-04', 300, 90)] },
      { userid: '6060001', days: [seededDay('6060001', '2030-03-04'), seededDay('6060001', '2030-03-05')] },
    ]);
    expect(sb.stats().byPath).toEqual({ 'POST /connect/token': 2, [`POST ${CAP}`]: 2, [`GET ${CAP}`]: 1 });
  });

  it('rejects a bad read query and a token after expireTokens', async () => {
    const rt = await readerToken();
    expect((await get(rt, 'userid=121212&from=2030-03-09&to=2030-03-04')).status).toBe(400);
    expect((await get(rt, 'from=2030-03-04&to=2030-03-05')).status).toBe(400);
    await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ expireTokens: true }) });
    expect((await get(rt, 'userid=121212&from=2030-03-04&to=2030-03-05')).status).toBe(401);
  });
});
