import { z } from 'zod';
import { envVar } from './define';

/** One configured link: a CustomerConnect workshop (userid), the Carsys dealer and the MMP point of sale it is. */
export interface WorkshopLink {
  workshopId: string;
  carsysDealerId: string | null;
  mmpPointOfSale: string | null;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * `workshopUserId:dealerId:mmpCodePdv` triples, comma separated; the dealer or the point of sale may be
 * empty (`6060001::920150`). A workshop appears once, and a dealer links to one workshop at most (a work
 * order names its workshop through its dealer).
 */
export const workshopLinks = z
  .string()
  .default('121212:sandbox-dealer:920150')
  .transform((s, ctx) => {
    const out: WorkshopLink[] = [];
    const issue = (message: string) => {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message });
      return z.NEVER;
    };
    for (const triple of s.split(',').map((x) => x.trim()).filter(Boolean)) {
      const parts = triple.split(':');
      if (parts.length !== 3) return issue(`"${triple}": expected workshopUserId:dealerId:mmpCodePdv (dealer or point of sale may be empty)`);
      const [workshopId, dealer, pdv] = parts as [string, string, string];
      if (!ID.test(workshopId) || (dealer && !ID.test(dealer)) || (pdv && !ID.test(pdv))) return issue(`"${triple}": ids are letters, digits, '.', '_' or '-' (at most 64)`);
      if (out.some((l) => l.workshopId === workshopId)) return issue(`workshop ${workshopId} is linked twice`);
      if (dealer && out.some((l) => l.carsysDealerId === dealer)) return issue(`Carsys dealer ${dealer} is linked to two workshops`);
      out.push({ workshopId, carsysDealerId: dealer || null, mmpPointOfSale: pdv || null });
    }
    return out;
  });

export const workshopLinksEnv = {
  WORKSHOP_LINKS: envVar(
    workshopLinks,
    'Links a CustomerConnect workshop (userid) to its Carsys dealer and MMP point of sale (codePdv): workshopUserId:dealerId:mmpCodePdv triples, comma separated (dealer or point of sale may be empty). Workshop.appointments and CarsysAppointment.workshop follow them. Default: the CustomerConnect sandbox workshop, the Carsys sandbox dealer and an MMP sandbox point of sale',
  ),
};
