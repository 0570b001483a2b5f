import { badInput } from '../../platform/errors';
import type { MmpAdherentsClient } from '../../vendors/mmp/adherents-client';
import type { CampaignClientModel } from './mappers';

/**
 * A cursor connection over MMP's numbered pages of campaigns. MMP pages campaigns, we list their clients:
 * a cursor is the (page, position among that page's clients) of an edge, opaque to callers. Pages are
 * fetched only as far as `first` needs, and at most `maxPagesPerCall` per request so one query cannot
 * walk an adherent's whole history.
 */
interface Cursor {
  p: number;
  i: number;
}
const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decode(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (Number.isInteger(c.p) && c.p >= 1 && Number.isInteger(c.i) && c.i >= -1) return c;
  } catch {
    /* fall through */
  }
  throw badInput('`after` is not a cursor this connection gave out', { argument: 'after' });
}

export interface CampaignClientConnection {
  edges: { cursor: string; node: CampaignClientModel }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCampaigns: number | null;
}

export async function campaignClientConnection(
  adherents: MmpAdherentsClient,
  args: { codePdv: string; first?: number | null; after?: string | null },
  maxPagesPerCall = 10,
): Promise<CampaignClientConnection> {
  const first = args.first ?? 20;
  if (!Number.isInteger(first) || first < 0 || first > 100) throw badInput('`first` must be between 0 and 100', { argument: 'first' });
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(args.codePdv)) throw badInput('`codePdv` must be a point-of-sale code of letters and digits', { argument: 'codePdv' });
  const from = args.after ? decode(args.after) : { p: 1, i: -1 };
  const edges: CampaignClientConnection['edges'] = [];
  let page = from.p;
  let start = from.i + 1;
  let hasNextPage = false;
  let totalCampaigns: number | null = null;
  let resume: string | null = null;
  for (let fetched = 0; ; fetched++) {
    const res = await adherents.campaignClients(args.codePdv, page);
    totalCampaigns = res.pagination.total >= 0 ? res.pagination.total : null;
    const flat = res.campagneList.flatMap((campaign) => campaign.clientList.map((client) => ({ campaign, client })));
    let i = start;
    for (; i < flat.length && edges.length < first; i++) edges.push({ cursor: encode({ p: page, i }), node: flat[i]! });
    const morePages = page < res.pagination.lastPage;
    if (edges.length >= first) {
      hasNextPage = i < flat.length || morePages;
      break;
    }
    if (!morePages) break;
    if (fetched + 1 >= maxPagesPerCall) {
      // Stop walking: the caller continues from the last page read.
      hasNextPage = true;
      resume = encode({ p: page + 1, i: -1 });
      break;
    }
    page++;
    start = 0;
  }
  return { edges, pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? resume ?? args.after ?? null }, totalCampaigns };
}
