import { parse as parseCsv } from 'csv-parse/sync';
import { ErrorCode, VendorError } from '../../platform/errors';
import { FormData, parseJsonBody } from '../../platform/http-client';
import type { MmpBlacklistEntry, MmpCampagnesClientsResponse, MmpImportFichierResult } from './adherents-types';
import { mmpBlacklistColumns } from './adherents-types';
import { unwrapEnvelope, type MmpClient } from './client';

const VENDOR = 'mmp';

/**
 * The adherent services of seed 003 (§13-15) on top of the vehicle client: same account, same TokenProvider key
 * — so one token serves both — and the same base path `/api/{version}/{reseau}`, except §13, which the seed
 * writes as `/api/{reseau}/…` (MMP_CAMPAIGN_CLIENTS_PATH below).
 */
export interface MmpAdherentsClient {
  /** The network (reseau) these calls address: blacklists are cached per network. */
  readonly network: string;
  /** §13 one page (1-based) of the adherent's campaigns with the clients they reminded. */
  campaignClients(codePdv: string, page: number, signal?: AbortSignal): Promise<MmpCampagnesClientsResponse>;
  /** §14 the network's e-mail/SMS blacklist; CSV by default (as the seed recommends), JSON on request. */
  blacklist(format?: 'csv' | 'json'): Promise<MmpBlacklistEntry[]>;
  /** §15 uploads one ZIP of clients and invoices for an adherent (multipart `importFile`, `organizationId`). */
  importClientsInvoices(organizationId: string, zip: Uint8Array, filename: string): Promise<MmpImportFichierResult>;
}

const bool = (v: string) => {
  const s = v.trim().toLowerCase();
  if (['true', '1', 'oui', 'o', 'yes'].includes(s)) return true;
  if (['false', '0', 'non', 'n', 'no', ''].includes(s)) return false;
  throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, `blacklist CSV has ${JSON.stringify(v.slice(0, 20))} where a boolean belongs`);
};
const text = (v: string) => (v.trim() === '' ? null : v.trim());

/** Parses the §14 CSV (`;` separated, header row, UTF-8 with or without BOM) into typed entries. */
export function parseBlacklistCsv(csv: string): MmpBlacklistEntry[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(csv, { columns: true, delimiter: [';', ','], bom: true, skip_empty_lines: true, trim: false, relax_quotes: false });
  } catch (err) {
    throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, `blacklist CSV does not parse (${(err as Error).message.slice(0, 120)})`);
  }
  if (rows.length) {
    const missing = ['clientId', 'relanceSms', 'relanceEmail'].filter((c) => !(c in rows[0]!));
    if (missing.length) throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, `blacklist CSV lacks column(s) ${missing.join(', ')}`);
  }
  return rows.map((r) => {
    const id = Number(r.clientId);
    if (!Number.isInteger(id)) throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, `blacklist CSV has a clientId that is not a number (${JSON.stringify(String(r.clientId).slice(0, 20))})`);
    const e = {} as Record<string, unknown>;
    for (const c of mmpBlacklistColumns) {
      const v = r[c] ?? '';
      e[c] = c === 'clientId' ? id : ['relanceSms', 'relanceEmail', 'synchroDmsTelephone', 'synchroDmsEmail'].includes(c) ? bool(v) : text(v);
    }
    return e as unknown as MmpBlacklistEntry;
  });
}

/**
 * §13 as seed 003 writes it: `/api/{reseau}/…`, the one MMP URL without `{version}` (every other service is under
 * `/api/{version}/{reseau}`). Followed literally by default; `MMP_CAMPAIGN_CLIENTS_PATH` changes it if MMP's
 * real service turns out to be versioned like the others (see vendors/mmp/README.md).
 */
export const MMP_CAMPAIGN_CLIENTS_PATH = '/api/{reseau}/service-external-client/adherents/{code_pdv}/campagnes-clients';

export interface MmpAdherentsOptions {
  /** §13's path template from the origin: `{version}`, `{reseau}` and `{code_pdv}` are filled in; default the seed's */
  campaignClientsPath?: string;
}

export function createMmpAdherentsClient(mmp: MmpClient, network: string, opts: MmpAdherentsOptions = {}): MmpAdherentsClient {
  const template = (opts.campaignClientsPath ?? MMP_CAMPAIGN_CLIENTS_PATH).replaceAll('{version}', encodeURIComponent(mmp.version)).replaceAll('{reseau}', encodeURIComponent(network));
  const campaignRoute = template.replaceAll('{code_pdv}', ':codePdv');
  return {
    network,
    async campaignClients(codePdv, page, signal) {
      const path = template.replaceAll('{code_pdv}', encodeURIComponent(codePdv));
      const res = await mmp.callRaw({ method: 'GET', path, absolute: true, route: campaignRoute, query: { page }, signal });
      unwrapEnvelope(res); // errors, 401, malformed: the one mapping
      const body = parseJsonBody<Partial<MmpCampagnesClientsResponse>>(VENDOR, res);
      if (!Array.isArray(body.campagneList)) throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, 'campagnes-clients answer has no campagneList', res.status);
      const p = body.pagination;
      const pagination =
        p && Number.isInteger(p.currentPage) && Number.isInteger(p.lastPage)
          ? p
          : // Without our pagination block a page is known to be the last when it comes back empty.
            { currentPage: page, lastPage: body.campagneList.length ? page + 1 : page, perPage: body.campagneList.length, total: -1 };
      return { ...(body as MmpCampagnesClientsResponse), pagination };
    },
    async blacklist(format = 'csv') {
      const path = '/service-external-client/adherents/relance-clients/blacklist';
      if (format === 'json') return mmp.call<MmpBlacklistEntry[]>({ method: 'GET', path, route: path });
      const res = await mmp.callRaw({ method: 'GET', path, route: path, query: { output: 'csv' }, headers: { accept: 'text/csv, application/json;q=0.5' } });
      const type = String(res.headers['content-type'] ?? '');
      // Errors come back as the JSON envelope even when CSV was asked for.
      if (res.status >= 300 || type.includes('json')) {
        unwrapEnvelope(res);
        throw new VendorError(VENDOR, ErrorCode.UPSTREAM_BAD_RESPONSE, 'blacklist asked as CSV came back as JSON', res.status);
      }
      return parseBlacklistCsv(res.text);
    },
    async importClientsInvoices(organizationId, zip, filename) {
      const form = new FormData();
      form.append('importFile', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), filename);
      form.append('organizationId', organizationId);
      return mmp.call<MmpImportFichierResult>({ method: 'POST', path: '/service-external-client/import-fichier/clients-factures', route: '/service-external-client/import-fichier/clients-factures', multipart: form, timeoutMs: 60_000 });
    },
  };
}
