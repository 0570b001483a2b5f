import { hasScope, Scope } from '../../platform/access';
import { badInput } from '../../platform/errors';
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

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Query: {
    // The full record is loaded here, so an unknown plate is reported on `vehicle` itself (NOT_FOUND)
    // and every facet the query asks for is then served from that one call.
    async vehicle(_, { plate }, { loaders }) {
      const key = normalisePlate(plate);
      await loaders.record(key);
      return { plate: key };
    },
    vehicles(_, { plates }, { loaders }) {
      if (plates.length > MAX_PLATES) throw badInput(`at most ${MAX_PLATES} plates per query (got ${plates.length})`, { argument: 'plates' });
      return plates.map(async (plate) => {
        const key = normalisePlate(plate);
        await loaders.record(key);
        return { plate: key };
      });
    },
  },
  Vehicle: {
    // Another subgraph handed us the plate: trust its key and load facets on demand.
    __resolveReference: (ref) => ({ plate: normalisePlate(ref.plate) }),
    displayPlate: ({ plate }) => displayPlate(plate),
    information: ({ plate }, _, { loaders }) => loaders.facet(plate, 'information'),
    diagnostic: ({ plate }, _, { loaders }) => loaders.facet(plate, 'diagnostic'),
    importedClients: ({ plate }, _, { loaders }) => loaders.facet(plate, 'importedClients'),
    clients: ({ plate }, _, { loaders }) => loaders.facet(plate, 'clients'),
    operations: ({ plate }, _, { loaders }) => loaders.facet(plate, 'operations'),
    forecasts: ({ plate }, _, { loaders }) => loaders.facet(plate, 'forecasts'),
    importedInvoiceLines: ({ plate }, _, { loaders }) => loaders.facet(plate, 'importedInvoiceLines'),
    invoices: ({ plate }, _, { loaders }) => loaders.facet(plate, 'invoices'),
    campaignReminders: ({ plate }, _, { loaders }) => loaders.facet(plate, 'campaignReminders'),
  },
  VehicleInformation: {
    vin: (v) => v.vehicleVIN ?? (v.vehicleVariante && /^[A-HJ-NPR-Z0-9]{17}$/.test(v.vehicleVariante) ? v.vehicleVariante : null),
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
