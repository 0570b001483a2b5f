import { hasScope, Scope } from '../../platform/access';
import { AppError, ErrorCode, badInput, notFound } from '../../platform/errors';
import { carsysFacts, factConflicts, mergeFacts, mmpFacts, type Source, type SourceFacts } from './facts';
import { isMmpNotFound, type Facet } from './loaders';
import { withheldContactFields, type ContactField } from '../../platform/private-contact';
import type { MmpClient as MmpClientRecord } from '../../vendors/mmp/types';
import type { VehicleContext } from './context';
import { displayPlate, normalisePlate } from '../../platform/plates';
import { scalarResolvers, toDecimal } from '../../platform/scalars';
import type { MmpJobAndPart } from '../../vendors/mmp/types';
import type { Resolvers } from './resolvers.generated';

/** MMP amounts are euros; the network is French. */
const EUR = (amount: number) => ({ amount: toDecimal(amount)!, currency: 'EUR' });
const member = (m: { memberId: number | null; memberPoSCode: string | null; memberTradeName: string | null }) =>
  m.memberId === null ? null : { id: String(m.memberId), posCode: m.memberPoSCode, tradeName: m.memberTradeName };
const earliest = (...dates: (string | null)[]) => dates.filter((d): d is string => !!d).sort()[0] ?? null;
const MAX_PLATES = 100;

/** MMP sends '' for an absent job or part field; the schema says null. Shared by raw and processed lines. */
const jobAndPart = {
  packageCode: (l: MmpJobAndPart) => l.packageCode || null,
  packageLabel: (l: MmpJobAndPart) => l.packageLabel || null,
  jobCode: (l: MmpJobAndPart) => l.jobCode || null,
  partQuantity: (l: MmpJobAndPart) => toDecimal(l.partQuantity),
  partReference: (l: MmpJobAndPart) => l.partReference || null,
  partBrand: (l: MmpJobAndPart) => l.partBrand || null,
  partLabel: (l: MmpJobAndPart) => l.partLabel || null,
};

const rawContactShown = (ctx: VehicleContext) => hasScope(ctx.caller, Scope.PERSONAL_PRIVATE_READ);
const shown = <T>(c: MmpClientRecord, ctx: VehicleContext, field: ContactField, value: T): T | null => (withheldContactFields(c.viePrivee, ctx.caller).has(field) ? null : value);

/** An MMP facet; a plate MMP does not know fails this field only, saying so (the vehicle may be known elsewhere). */
async function mmpFacet<F extends Facet>(loaders: VehicleContext['loaders'], plate: string, facet: F) {
  try {
    return await loaders.facet(plate, facet);
  } catch (e) {
    if (isMmpNotFound(e)) throw notFound('MMP does not know this plate', { plate, source: 'MMP' });
    throw e;
  }
}

const vinOf = (v: { vehicleVIN: string | null; vehicleVariante: string | null }) =>
  v.vehicleVIN ?? (v.vehicleVariante && /^[A-HJ-NPR-Z0-9]{17}$/.test(v.vehicleVariante) ? v.vehicleVariante : null);

const carsysUnknown = () => new AppError(ErrorCode.UPSTREAM_UNAVAILABLE, 'what Carsys knows of this plate could not be read (Customer subgraph); try again', { source: 'CARSYS' });

/** Each source's facts, in source order; a source that does not know the plate gives null. */
async function factsBySource(loaders: VehicleContext['loaders'], v: { plate: string; carsys?: Parameters<typeof carsysFacts>[0] | null }): Promise<[Source, SourceFacts | null][]> {
  // `carsys` null: Carsys has nothing for the plate; absent: the gateway could not get it.
  if (v.carsys === undefined) throw carsysUnknown();
  let mmp: SourceFacts | null = null;
  if (await loaders.known(v.plate)) {
    const info = await loaders.facet(v.plate, 'information');
    mmp = mmpFacts(info, vinOf(info));
  }
  return [
    ['MMP', mmp],
    ['CARSYS', v.carsys ? carsysFacts(v.carsys) : null],
  ];
}

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    // No source is asked here: a vehicle may be known to MMP, to Carsys (another subgraph) or both, and
    // only `sources` (which requires the Customer subgraph's `knownToCarsys`) can tell. The MMP facets the
    // query asks for are loaded together by the facet loader (one vision360 call for two or more).
    vehicle: (_, { plate }) => ({ plate: normalisePlate(plate) }),
    vehicles(_, { plates }) {
      if (plates.length > MAX_PLATES) throw badInput(`at most ${MAX_PLATES} plates per query (got ${plates.length})`, { argument: 'plates' });
      return plates.map(async (plate) => ({ plate: normalisePlate(plate) }));
    },
  },
  Vehicle: {
    // Another subgraph handed us the plate (and, for `sources`/`facts`, the Customer subgraph's Carsys
    // fields): trust its key and load facets on demand.
    __resolveReference: (ref) => ({ ...ref, plate: normalisePlate(ref.plate) }),
    displayPlate: ({ plate }) => displayPlate(plate),
    async sources({ plate, knownToCarsys }, _, { loaders }) {
      // Absent (not false): the gateway could not get it from the Customer subgraph. An incomplete list
      // would claim Carsys does not know the plate.
      if (knownToCarsys === undefined || knownToCarsys === null) throw carsysUnknown();
      const out: Source[] = [];
      if (await loaders.known(plate)) out.push('MMP');
      if (knownToCarsys) out.push('CARSYS');
      if (!out.length) throw notFound(`no source knows plate ${displayPlate(plate)}`, { plate });
      return out;
    },
    facts: async (v, _, { loaders }) => mergeFacts(await factsBySource(loaders, v)),
    factConflicts: async (v, _, { loaders }) => factConflicts(await factsBySource(loaders, v)),
    information: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'information'),
    diagnostic: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'diagnostic'),
    importedClients: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'importedClients'),
    clients: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'clients'),
    operations: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'operations'),
    forecasts: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'forecasts'),
    importedInvoiceLines: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'importedInvoiceLines'),
    invoices: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'invoices'),
    campaignReminders: ({ plate }, _, { loaders }) => mmpFacet(loaders, plate, 'campaignReminders'),
  },
  VehicleInformation: {
    vin: (v) => vinOf(v),
    brand: (v) => v.vehicleBrand,
    model: (v) => v.vehicleModel,
    energy: (v) => v.vehicleEnergy,
    variant: (v) => v.vehicleVariante,
    releaseDate: (v) => v.vehicleReleaseDate,
    lastVisitDate: (v) => v.vehicleLastVisitDate,
    lastVisitMileage: (v) => v.vehicleLastVisitMileage,
    currentMileageEstimate: (v) => v.vehicleCurrentMilageEstimated,
    monthlyMileageEstimate: (v) => v.monthlyMilageEstimated,
    lastTechnicalControlDate: (v) => v.vehicleLastTechnicalControlDate,
    nextTechnicalControlDate: (v) => v.vehicleNextTechnicalControlDate,
  },
  // Raw DMS records carry no viePrivee: their contact channels need personal-private:read.
  ImportedClient: {
    withheld: (_c, _, ctx) => (rawContactShown(ctx) ? [] : ['address', 'postcode', 'city', 'email', 'phone', 'mobile']),
    dmsId: (c) => c.clientDmsId,
    title: (c) => c.clientCivilite,
    lastName: (c) => c.clientNom,
    firstName: (c) => c.clientPrenom,
    companyName: (c) => c.clientRaisonSociale,
    address: (c, _, ctx) => (rawContactShown(ctx) ? c.clientAdresse : null),
    postcode: (c, _, ctx) => (rawContactShown(ctx) ? c.clientCodePostal : null),
    city: (c, _, ctx) => (rawContactShown(ctx) ? c.clientVille : null),
    email: (c, _, ctx) => (rawContactShown(ctx) ? c.clientEmail : null),
    phone: (c, _, ctx) => (rawContactShown(ctx) ? c.clientTelephone : null),
    mobile: (c, _, ctx) => (rawContactShown(ctx) ? c.clientPortable : null),
    workshopNationalId: (c) => c.workshopNationalId,
    vin: (c) => c.vehicleVIN,
    lastVisitMileage: (c) => c.vehicleLastVisitMileage,
    lastTechnicalControlDate: (c) => c.vehicleLastTechnicalControlDate,
    nextTechnicalControlDate: (c) => c.vehicleNextTechnicalControlDate,
    lastAntipollutionControlDate: (c) => c.vehicleLastAntipollutionControlDate,
    nextAntipollutionControlDate: (c) => c.vehicleNextAntipollutionControlDate,
  },
  VehicleClient: {
    id: (c) => String(c.clientId),
    title: (c) => c.clientCivilite,
    firstName: (c) => c.clientPrenom,
    lastName: (c) => c.clientNom,
    companyName: (c) => c.clientRaisonSociale,
    // MMP `viePrivee`: a channel the client keeps private is null unless the caller holds personal-private:read.
    address: (c, _, ctx) => shown(c, ctx, 'address', c.clientAdresse),
    postcode: (c, _, ctx) => shown(c, ctx, 'address', c.clientCodePostal),
    city: (c, _, ctx) => shown(c, ctx, 'address', c.clientVille),
    email: (c, _, ctx) => shown(c, ctx, 'email', c.clientEmail),
    phone: (c, _, ctx) => shown(c, ctx, 'phone', c.clientTelephone),
    mobile: (c, _, ctx) => shown(c, ctx, 'mobile', c.clientPortable),
    // Every withheld field, whether or not MMP holds a value for it: presence itself is not told.
    withheld: (c, _, ctx) => {
      const w = withheldContactFields(c.viePrivee, ctx.caller);
      return [...(['mobile', 'phone', 'email'] as const).filter((f) => w.has(f)), ...(w.has('address') ? ['address', 'postcode', 'city'] : [])];
    },
    remindBySms: (c) => c.relanceSms,
    remindByEmail: (c) => c.relanceEmail,
    remindByPost: (c) => c.relanceCourrier,
    privacy: (c) => (c.viePrivee ? c.viePrivee.split('|').map((s) => s.trim()).filter(Boolean) : []),
    member: (c) => member(c),
  },
  Operation: {
    date: (o) => o.operationDate,
    mileage: (o) => o.operationMileage,
    jobId: (o) => o.privateJobId,
    jobLabel: (o) => o.privateJobLabel,
    jobCode: (o) => o.jobCode,
    description: (o) => o.jobLabel,
    invoiceDmsId: (o) => o.invoiceDmsId,
    workshop: (o) => o.memberTradeName,
  },
  Forecast: {
    jobId: (f) => f.privateJobId,
    label: (f) => f.privateJobLabel,
    lastJobDate: (f) => f.lastJobDate,
    mileageBasedDate: (f) => f.milageBasedEstimatedDate,
    periodicBasedDate: (f) => f.periodicBasedEstimatedDate,
    checkBasedDate: (f) => f.checkBasedEstimatedDate,
    dueDate: (f) => earliest(f.milageBasedEstimatedDate, f.periodicBasedEstimatedDate, f.checkBasedEstimatedDate),
    information: (f) => f.forecastInformations,
  },
  ImportedInvoiceLine: {
    invoiceId: (l) => String(l.invoiceId),
    invoiceDmsId: (l) => l.invoiceDmsId,
    invoiceDate: (l) => l.invoiceDate,
    invoiceAmount: (l) => EUR(l.invoiceAmount),
    workshopNationalId: (l) => l.workshopNationalId,
    clientDmsId: (l) => l.clientDmsId,
    vin: (l) => l.vehicleVIN,
    mileage: (l) => l.vehicleMileage,
    ...jobAndPart,
    jobLabel: (l) => l.jobLabel || null,
  },
  Invoice: {
    dmsId: (i) => i.invoiceDmsId,
    date: (i) => i.invoiceDate,
    amount: (i) => EUR(i.invoiceAmount),
    mileage: (i) => i.mileageOnInvoice,
    member: (i) => member(i),
    lines: (i) => i.invoiceContent,
  },
  InvoiceLine: {
    jobId: (l) => l.privateJobId,
    jobLabel: (l) => l.privateJobLabel,
    source: (l) => l.privateUsedSource,
    ...jobAndPart,
    jobDescription: (l) => l.jobLabel || null,
  },
  CampaignReminder: {
    campaignId: (r) => String(r.campaignId),
    label: (r) => r.campaignlabel,
    type: (r) => r.campaignType,
    sentAt: (r) => r.campaignDiffusionDate,
    member: (r) => member(r),
    channels: (r) => r.diffusionList.map((d) => d.diffusionLabel),
    operations: (r) => r.operationList.map((o) => ({ id: String(o.operationId), label: o.operationLabel, offer: o.messageDescription })),
    clientDmsId: (r) => r.clientDmsId,
  },
  Diagnostic: {
    date: (d) => d.diagnosticDate,
    mileage: (d) => d.diagnosticMileage,
    alerts: (d) => d.alertList.map((a) => ({ code: a.alertCode, label: a.alertLabel, level: a.alertLevel.toUpperCase() as 'INFO' | 'WARNING' | 'CRITICAL' })),
  },
};
