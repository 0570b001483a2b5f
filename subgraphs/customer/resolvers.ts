import { detachedFromCaller } from '../../platform/call-scope';
import { hasGrant, requireGrant } from '../../platform/access';
import { workOrderConnection } from './work-order-connection';
import { badInput } from '../../platform/errors';
import { withheldContactFields } from '../../platform/private-contact';
import { normalisePlate } from '../../platform/plates';
import { scalarResolvers } from '../../platform/scalars';
import { GraphQLError, GraphQLScalarType } from 'graphql';
import type { StoredWorkOrder } from './carsys-store';
import { campaignClientConnection } from './campaign-connection';
import { contactPreferences } from './contact-preferences';
import type { CustomerContext } from './context';
import { customerFromCarsys, customerFromMmp, parseCustomerId, type CustomerModel } from './mappers';
import type { Resolvers } from './resolvers.generated';
import { inspectZip } from './zip-inspect';

/** Files arrive as Blobs from the multipart route; anything else means the client did not use multipart. */
const UploadScalar = new GraphQLScalarType({
  name: 'Upload',
  description: 'A file sent with the GraphQL multipart request spec.',
  parseValue(v) {
    if (v instanceof Blob) return v;
    throw new GraphQLError('Upload must be sent as a file part of a multipart request (GraphQL multipart request spec)', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral() {
    throw new GraphQLError('Upload cannot be written inline; pass it as a variable in a multipart request', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  serialize() {
    throw new GraphQLError('Upload is an input-only scalar');
  },
});

type Role = 'owner' | 'driver' | 'contractor';
const roleId = (w: StoredWorkOrder, role: Role) => (role === 'owner' ? w.ownerId : role === 'driver' ? w.driverId : w.contractorId);

/** A Carsys person, only from a dealer the caller is granted (another dealer's people do not exist for it). */
async function person(ctx: CustomerContext, dealerId: string, personId: string | null): Promise<CustomerModel | null> {
  if (!personId || !hasGrant(ctx.caller, 'dealers', dealerId)) return null;
  const p = await ctx.loaders.persons.load({ dealerId, personId });
  return p ? customerFromCarsys(dealerId, p) : null;
}

/** The person in `role` on the newest work order of the plate (by appointment date) that names one. */
async function latestInRole(ctx: CustomerContext, plate: string, role: Role): Promise<CustomerModel | null> {
  const orders = await grantedWorkOrders(ctx, plate);
  const w = orders.find((o) => roleId(o, role));
  return w ? person(ctx, w.dealerId, roleId(w, role)) : null;
}

/** The plate's Carsys work orders from the dealers the caller is granted. */
async function grantedWorkOrders(ctx: CustomerContext, plate: string): Promise<StoredWorkOrder[]> {
  return (await ctx.loaders.workOrders.load(plate)).filter((w) => hasGrant(ctx.caller, 'dealers', w.dealerId));
}

/** The work orders naming a Carsys person (any role), from dealers the caller is granted. */
async function workOrdersOfPerson(ctx: CustomerContext, c: CustomerModel): Promise<StoredWorkOrder[]> {
  const parsed = c.source === 'CARSYS' ? parseCustomerId(c.id) : undefined;
  if (parsed?.source !== 'CARSYS' || !hasGrant(ctx.caller, 'dealers', parsed.dealerId)) return [];
  return ctx.loaders.workOrdersOfPerson.load({ dealerId: parsed.dealerId, personId: parsed.personId });
}

const MAX_RANGE_DAYS = 31;
const dayNumber = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;

/** A contact value, or null when the customer keeps that channel private from this caller. */
const unlessWithheld = (c: CustomerModel, ctx: CustomerContext, field: 'mobile' | 'phone' | 'email' | 'address') =>
  !withheldContactFields(c.mmp?.viePrivee, ctx.caller).has(field);

async function mmpCustomers(ctx: CustomerContext, plate: string): Promise<CustomerModel[]> {
  const clients = await ctx.loaders.mmpClients.load(plate);
  return clients.map((c) => customerFromMmp(ctx.clients.mmpNetwork, plate, c));
}

const sum = (prices: string[]) => {
  // Cents as integers: exact for the two-decimal prices the receiver accepts.
  const cents = prices.reduce((acc, p) => {
    const [whole, frac = ''] = p.replace('-', '').split('.');
    const v = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
    return acc + (p.startsWith('-') ? -v : v);
  }, 0);
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(cents);
  return `${sign}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
};

export const resolvers: Resolvers = {
  ...scalarResolvers,
  Upload: UploadScalar,
  Query: {
    async customer(_, { id }, ctx) {
      const parsed = parseCustomerId(id);
      if (!parsed) throw badInput('not a customer id (expected mmp:<reseau>:<plate>:<clientId> or carsys:<dealer>:<personId>)', { argument: 'id' });
      if (parsed.source === 'CARSYS') return person(ctx, parsed.dealerId, parsed.personId);
      if (parsed.network !== ctx.clients.mmpNetwork) return null;
      return (await mmpCustomers(ctx, normalisePlate(parsed.plate))).find((c) => c.id === id) ?? null;
    },
    carsysWorkOrders(_, args, ctx) {
      // Grant first: a caller not granted the dealer costs no database round.
      requireGrant(ctx.caller, 'dealers', args.dealerId, 'carsysWorkOrders');
      return workOrderConnection(ctx.clients.carsys, args);
    },
    carsysWorkOrder(_, { dealerId, workOrderNumber }, ctx) {
      requireGrant(ctx.caller, 'dealers', dealerId, 'carsysWorkOrder');
      if (!/^.{1,64}$/.test(workOrderNumber)) throw badInput('`workOrderNumber` must be 1 to 64 characters', { argument: 'workOrderNumber' });
      return ctx.loaders.workOrderByNumber.load({ dealerId, workOrderNumber });
    },
    mmpCampaignClients: (_, args, ctx) => {
      // A point of sale's whole client list: only for a caller granted that point of sale.
      requireGrant(ctx.caller, 'mmpPointsOfSale', args.codePdv, 'mmpCampaignClients');
      return campaignClientConnection(ctx.adherents, args);
    },
  },
  Mutation: {
    async importMmpClientsAndInvoices(_, { organizationId, file, idempotencyKey }, ctx) {
      if (!/^[A-Za-z0-9_-]{1,40}$/.test(organizationId)) throw badInput('`organizationId` must be the adherent id (letters, digits, - or _)', { argument: 'organizationId' });
      requireGrant(ctx.caller, 'mmpOrganisations', organizationId, 'importMmpClientsAndInvoices');
      // Size first, from the part's length, before reading it; then signature and central directory.
      if (file.size > ctx.importLimits.maxBytes) throw badInput(`the file is ${file.size} bytes; at most ${ctx.importLimits.maxBytes} bytes are accepted`, { argument: 'file' });
      const bytes = new Uint8Array(await file.arrayBuffer());
      const zip = inspectZip(bytes, ctx.importLimits);
      const name = (file as Blob & { name?: string }).name || 'clients-factures.zip';
      // A write goes on when the client leaves (within the operation's budget), so that its result is
      // recorded under the idempotency key for the client's retry.
      const importOnce = () => detachedFromCaller(() => ctx.adherents.importClientsInvoices(organizationId, bytes, name), true);
      const { result, replayed } = idempotencyKey ? await ctx.importKeys.run(organizationId, idempotencyKey, bytes, importOnce) : { result: await importOnce(), replayed: false };
      return { success: result.success !== false, message: result.message ?? 'OK', entries: zip.entries, bytes: zip.bytes, replayed };
    },
  },
  Vehicle: {
    __resolveReference: (ref) => ({ plate: normalisePlate(ref.plate) }),
    customers: (v, _, ctx) => mmpCustomers(ctx, v.plate),
    owner: (v, _, ctx) => latestInRole(ctx, v.plate, 'owner'),
    driver: (v, _, ctx) => latestInRole(ctx, v.plate, 'driver'),
    contractor: (v, _, ctx) => latestInRole(ctx, v.plate, 'contractor'),
    appointments: (v, _, ctx) => grantedWorkOrders(ctx, v.plate),
    // Vehicle facts are public like MMP's `information`: from the newest work order of any dealer.
    knownToCarsys: async (v, _, ctx) => (await ctx.loaders.workOrders.load(v.plate)).length > 0,
    carsys: async (v, _, ctx) => (await ctx.loaders.workOrders.load(v.plate))[0] ?? null,
  },
  Workshop: {
    __resolveReference: (ref) => ({ id: ref.id }),
    carsysDealerId: (w, _, ctx) => ctx.clients.workshopLinks.find((l) => l.workshopId === w.id)?.carsysDealerId ?? null,
    mmpPointOfSale: (w, _, ctx) => ctx.clients.workshopLinks.find((l) => l.workshopId === w.id)?.mmpPointOfSale ?? null,
    async appointments(w, { from, to }, ctx) {
      const span = dayNumber(to) - dayNumber(from);
      if (span < 0) throw badInput('`to` is before `from`', { argument: 'to' });
      if (span >= MAX_RANGE_DAYS) throw badInput(`at most ${MAX_RANGE_DAYS} days (got ${span + 1})`, { argument: 'to' });
      const dealerId = ctx.clients.workshopLinks.find((l) => l.workshopId === w.id)?.carsysDealerId;
      if (!dealerId) return [];
      // Grant before the store: another dealer's workshop costs no database round.
      requireGrant(ctx.caller, 'dealers', dealerId, 'Workshop.appointments');
      return ctx.loaders.workOrdersInRange.load({ dealerId, from, to });
    },
    campaignClients(w, args, ctx) {
      const codePdv = ctx.clients.workshopLinks.find((l) => l.workshopId === w.id)?.mmpPointOfSale;
      if (!codePdv) return null;
      requireGrant(ctx.caller, 'mmpPointsOfSale', codePdv, 'Workshop.campaignClients');
      return campaignClientConnection(ctx.adherents, { ...args, codePdv });
    },
  },
  Customer: {
    async __resolveReference(ref, ctx) {
      const parsed = parseCustomerId(ref.id);
      if (!parsed) return null;
      if (parsed.source === 'CARSYS') return person(ctx, parsed.dealerId, parsed.personId);
      return (await mmpCustomers(ctx, normalisePlate(parsed.plate))).find((c) => c.id === ref.id) ?? null;
    },
    name: (c) => [c.firstName, c.lastName].filter(Boolean).join(' ') || c.company,
    contactPreferences: async (c, _, ctx) => contactPreferences(c, await ctx.loaders.blacklist()),
    // MMP `viePrivee`: a channel the customer keeps private is null unless the caller holds personal-private:read.
    address: (c, _, ctx) => (unlessWithheld(c, ctx, 'address') ? c.address : null),
    privateContact: (c, _, ctx) => ({
      email: unlessWithheld(c, ctx, 'email') ? c.privateContact.email : null,
      phone: unlessWithheld(c, ctx, 'phone') ? c.privateContact.phone : null,
      mobile: unlessWithheld(c, ctx, 'mobile') ? c.privateContact.mobile : null,
    }),
    async vehicles(c, _, ctx) {
      if (c.source === 'MMP') {
        const parsed = parseCustomerId(c.id);
        return parsed?.source === 'MMP' ? [{ plate: normalisePlate(parsed.plate) }] : [];
      }
      const plates = [...new Set((await workOrdersOfPerson(ctx, c)).map((w) => w.plate))];
      return plates.map((plate) => ({ plate }));
    },
    appointments: (c, _, ctx) => workOrdersOfPerson(ctx, c),
    withheld: (c, _, ctx) => {
      const w = withheldContactFields(c.mmp?.viePrivee, ctx.caller);
      // Every withheld field, whether or not MMP holds a value for it: presence itself is not told.
      return (['mobile', 'phone', 'email', 'address'] as const).filter((f) => w.has(f)).map((f) => (f === 'address' ? 'address' : `privateContact.${f}`));
    },
  },
  CarsysAppointment: {
    appointmentAt: (w) => w.appointmentAt,
    createdAt: (w) => w.dmsCreatedAt,
    totalPrice: (w) => sum(w.interventions.map((i) => i.price)),
    vehicle: (w) => w,
    owner: (w, _, ctx) => person(ctx, w.dealerId, w.ownerId),
    driver: (w, _, ctx) => person(ctx, w.dealerId, w.driverId),
    contractor: (w, _, ctx) => person(ctx, w.dealerId, w.contractorId),
    workshop: (w, _, ctx) => {
      const link = ctx.clients.workshopLinks.find((l) => l.carsysDealerId === w.dealerId);
      return link ? { id: link.workshopId } : null;
    },
    vehicleRef: (w) => ({ plate: w.plate }),
  },
  CarsysVehicleFacts: {
    dealerId: (w) => w.dealerId,
    modifiedAt: (w) => w.modifiedAt,
    make: (w) => w.vehicle.make,
    model: (w) => w.vehicle.model,
    plateAsPushed: (w) => w.vehicle.plate,
    vin: (w) => w.vehicle.vin,
    fuel: (w) => w.vehicle.fuel,
    firstRegistrationDate: (w) => w.vehicle.firstRegistrationDate,
    apkDate: (w) => w.vehicle.apkDate,
  },
  MmpCampaignClient: {
    campaign: (n) => n.campaign,
    title: (n) => n.client.civilite,
    firstName: (n) => n.client.prenom,
    lastName: (n) => n.client.nom,
    vehicle: (n) => ({ plate: normalisePlate(n.client.vehicule.immatriculation) }),
    vehicleMake: (n) => n.client.vehicule.marque,
    vehicleModel: (n) => n.client.vehicule.modele,
    operation: (n) => n.client.operation,
    promotions: (n) => n.client.promotion,
    diffusion: (n) => ({ sms: n.client.diffusion.sms, email: n.client.diffusion.email, post: n.client.diffusion.courrier }),
  },
  MmpCampaign: {
    diffusionDate: (c) => c.dateDiffusion,
    predictionDate: (c) => c.datePrediction,
    creationDate: (c) => c.dateCreation,
  },
};
