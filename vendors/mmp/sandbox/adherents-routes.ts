import { route, type Route, type SandboxRequest, type SandboxResponse } from '../../../platform/sandbox';
import { mmpBlacklistColumns, type MmpBlacklistEntry } from '../adherents-types';
import { buildAdherentData, type MmpAdherentData } from './adherents-data';
import type { MmpSandboxContext } from './server';

/** The sandbox's own limit on an imported ZIP (ours; the seed states none). */
export const MMP_SANDBOX_IMPORT_MAX_BYTES = 50 * 1024 * 1024;

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[;"\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** §14 as CSV: `;` separated with a header row, booleans as true/false (ours: the seed shows only JSON). */
export function blacklistCsv(entries: MmpBlacklistEntry[]): string {
  const lines = [mmpBlacklistColumns.join(';'), ...entries.map((e) => mmpBlacklistColumns.map((c) => csvCell(e[c])).join(';'))];
  return lines.join('\r\n') + '\r\n';
}

async function readForm(req: SandboxRequest): Promise<FormData | undefined> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('multipart/form-data')) return undefined;
  try {
    return await new Request('http://sandbox/', { method: 'POST', headers: { 'content-type': type }, body: new Uint8Array(req.body) }).formData();
  } catch {
    return undefined;
  }
}

/**
 * The adherent services of seed 003 §13-15, mounted on the MMP sandbox through its `extraRoutes`:
 *   GET  /api/:reseau/service-external-client/adherents/:codePdv/campagnes-clients?page=N   (§13 as the seed writes it)
 *   GET  /api/:version/:reseau/service-external-client/adherents/:codePdv/campagnes-clients?page=N   (versioned like
 *        every other MMP URL: kept for a client configured with MMP_CAMPAIGN_CLIENTS_PATH=/api/{version}/{reseau}/…)
 *   GET  /api/:version/:reseau/service-external-client/adherents/relance-clients/blacklist[?output=csv]
 *   POST /api/:version/:reseau/service-external-client/import-fichier/clients-factures (multipart)
 */
export function mmpAdherentRoutes(ctx: MmpSandboxContext, data: MmpAdherentData = buildAdherentData(ctx.fleet)): Route[] {
  const base = '/api/:version/:reseau/service-external-client';
  // Registered before campagnes-clients: "relance-clients" would otherwise match :codePdv.
  const blacklist = route('GET', `${base}/adherents/relance-clients/blacklist`, 'data', (req): SandboxResponse => {
    const denied = ctx.authorize(req);
    if (denied) return denied;
    if (req.query.get('output') === 'csv') {
      return { status: 200, text: blacklistCsv(data.blacklist), headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="blacklist.csv"' } };
    }
    return ctx.envelope(data.blacklist);
  });

  const campaignClientsPage = (req: SandboxRequest): SandboxResponse => {
    const denied = ctx.authorize(req);
    if (denied) return denied;
    const campaigns = data.campaigns.get(req.params.codePdv!);
    if (!campaigns) return ctx.failure(404, 'Adhérent introuvable', { code_pdv: ['Unknown point of sale'] });
    const raw = req.query.get('page') ?? '1';
    const page = Number(raw);
    if (!/^\d+$/.test(raw) || page < 1) return ctx.failure(422, 'The given data was invalid.', { page: ['Le champ page doit être un entier positif.'] });
    const lastPage = Math.max(1, Math.ceil(campaigns.length / data.perPage));
    const slice = campaigns.slice((page - 1) * data.perPage, page * data.perPage);
    return {
      status: 200,
      body: {
        success: true,
        data: { id: 78612, articleCode: null, articleLibelle: null },
        campagneList: slice,
        pagination: { currentPage: page, lastPage, perPage: data.perPage, total: campaigns.length },
        message: 'OK',
        errors: [],
      },
    };
  };
  const campaignClients = [
    route('GET', '/api/:reseau/service-external-client/adherents/:codePdv/campagnes-clients', 'data', campaignClientsPage),
    route('GET', `${base}/adherents/:codePdv/campagnes-clients`, 'data', campaignClientsPage),
  ];

  const importFile = route('POST', `${base}/import-fichier/clients-factures`, 'data', async (req): Promise<SandboxResponse> => {
    const denied = ctx.authorize(req);
    if (denied) return denied;
    const form = await readForm(req);
    if (!form) return ctx.failure(422, 'The given data was invalid.', { importFile: ['Le champ import file est obligatoire.'] });
    const file = form.get('importFile');
    const organizationId = form.get('organizationId');
    const errors: Record<string, string[]> = {};
    if (!(file instanceof Blob)) errors.importFile = ['Le champ import file est obligatoire.'];
    if (typeof organizationId !== 'string' || !organizationId) errors.organizationId = ['Le champ organization id est obligatoire.'];
    else if (!data.organizationIds.has(organizationId)) errors.organizationId = ["L'adhérent est inconnu."];
    if (file instanceof Blob) {
      const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
      if (file.size > MMP_SANDBOX_IMPORT_MAX_BYTES) errors.importFile = ['Le fichier est trop volumineux.'];
      else if (!(head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04)) errors.importFile = ['Le fichier doit être une archive zip.'];
    }
    if (Object.keys(errors).length) return ctx.failure(422, 'The given data was invalid.', errors);
    return ctx.envelope({ success: true, message: 'Le fichier a été importé avec succès.' });
  });

  return [blacklist, ...campaignClients, importFile];
}
