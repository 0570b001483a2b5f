import { startMmpAdherents, type MmpAdherentsFixture } from '../../test/support/mmp-adherents';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseBlacklistCsv } from './adherents-client';
import { blacklistCsv } from './sandbox/adherents-routes';
import { MMP_SANDBOX_CREDENTIALS } from './sandbox/server';

let fixture: MmpAdherentsFixture;
let sandbox: MmpAdherentsFixture['sandbox'];
let data: MmpAdherentsFixture['data'];
let adherents: MmpAdherentsFixture['adherents'];

beforeAll(async () => {
  fixture = await startMmpAdherents(60);
  ({ sandbox, data, adherents } = fixture);
});
afterAll(async () => {
  await fixture?.close();
});
beforeEach(() => {
  sandbox.setFaults({ errorRate: 0, malformedRate: 0 });
});

describe('MMP adherent services', () => {
  it('reads the blacklist as CSV and as JSON, identically, sharing the vehicle services token', async () => {
    const csv = await adherents.blacklist('csv');
    const json = await adherents.blacklist('json');
    expect(csv.length).toBeGreaterThan(3);
    expect(csv).toEqual(json);
    expect(csv).toEqual(data.blacklist);
    expect(sandbox.stats().tokenRequests).toBe(1);
  });

  it('parses quoted cells, a BOM and French booleans, and names a broken file', () => {
    const entry = { ...data.blacklist[0]!, clientRaisonSociale: 'DUPONT; FILS "ET CIE"', viePrivee: 'telephone mobile | email' };
    expect(parseBlacklistCsv('\ufeff' + blacklistCsv([entry]))).toEqual([entry]);
    const french = 'clientId;relanceSms;relanceEmail;synchroDmsTelephone;synchroDmsEmail\n42;oui;0;non;1\n';
    expect(parseBlacklistCsv(french)[0]).toMatchObject({ clientId: 42, relanceSms: true, relanceEmail: false, synchroDmsEmail: true, clientNom: null });
    expect(() => parseBlacklistCsv('clientId;relanceSms;relanceEmail\nabc;true;false\n')).toThrow(/clientId that is not a number/);
    expect(() => parseBlacklistCsv('nom;prenom\nA;B\n')).toThrow(/lacks column/);
  });

  it('pages campaign clients with the pagination block', async () => {
    const [code, campaigns] = [...data.campaigns.entries()][0]!;
    const p1 = await adherents.campaignClients(code, 1);
    expect(p1.pagination).toEqual({ currentPage: 1, lastPage: Math.ceil(campaigns.length / data.perPage), perPage: data.perPage, total: campaigns.length });
    expect(p1.campagneList.map((c) => c.id)).toEqual(campaigns.slice(0, data.perPage).map((c) => c.id));
    await expect(adherents.campaignClients('UNKNOWN', 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("answers seed 003 §13's literal URL (no {version}), which the client calls by default; the versioned form stays configurable", async () => {
    const [code, campaigns] = [...data.campaigns.entries()][0]!;
    // The seed's own example, byte for byte but for the host and the point of sale: GET …/api/{reseau}/…?page=1
    const token = (await (await fetch(`${sandbox.url}/api/v1/service-authentification/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: MMP_SANDBOX_CREDENTIALS.clientId, client_secret: MMP_SANDBOX_CREDENTIALS.clientSecret, username: MMP_SANDBOX_CREDENTIALS.username, password: MMP_SANDBOX_CREDENTIALS.password }),
    })).json()) as { access_token: string };
    const literal = await fetch(`${sandbox.url}/api/trif/service-external-client/adherents/${code}/campagnes-clients?page=1`, { headers: { authorization: `Bearer ${token.access_token}` } });
    expect(literal.status).toBe(200);
    const body = (await literal.json()) as { success: boolean; campagneList: { id: number }[] };
    expect(body.success).toBe(true);
    expect(body.campagneList.map((c) => c.id)).toEqual(campaigns.slice(0, data.perPage).map((c) => c.id));

    sandbox.setFaults({});
    const before = { ...sandbox.stats().byPath };
    const calls = (path: string) => (sandbox.stats().byPath[path] ?? 0) - (before[path] ?? 0);
    const seedPath = `GET /api/trif/service-external-client/adherents/${code}/campagnes-clients`;
    const versionedPath = `GET /api/v1/trif/service-external-client/adherents/${code}/campagnes-clients`;
    await adherents.campaignClients(code, 1);
    expect(calls(seedPath)).toBe(1);
    expect(calls(versionedPath)).toBe(0);

    const versioned = fixture.adherentsWith({ campaignClientsPath: '/api/{version}/{reseau}/service-external-client/adherents/{code_pdv}/campagnes-clients' });
    expect((await versioned.campaignClients(code, 1)).campagneList).toEqual(body.campagneList);
    expect(calls(versionedPath)).toBe(1);
  });
});
