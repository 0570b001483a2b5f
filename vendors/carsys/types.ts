/**
 * Carsys push wire format. Carsys (seed 004) is the one DMS that pushes its work orders to us instead of
 * being polled; the seed lists the fields, the transport and the JSON shape are ours (documented in
 * vendors/carsys/README.md). Each field's comment names the seed's Dutch label.
 *
 * One push = one work order (appointment + interventions + vehicle + the persons it references).
 */

/** Interventie. */
export interface CarsysIntervention {
  /** Titel */
  title: string;
  /** Beschrijving */
  description: string | null;
  /** Prijs: a decimal string in euros, e.g. "49.95" (never a float on the wire) */
  price: string;
}

/** Brandstof: the DMS's fuel codes, lower case Dutch. */
export const carsysFuels = ['benzine', 'diesel', 'lpg', 'cng', 'elektrisch', 'hybride', 'plug-in hybride', 'waterstof', 'overig'] as const;
export type CarsysFuel = (typeof carsysFuels)[number];

/** Voertuig. */
export interface CarsysVehicle {
  /** Merk */
  make: string;
  /** Model */
  model: string;
  /** Kenteken, as the DMS writes it (`12-ABC-3`, `12ABC3`, …) */
  plate: string;
  /** Chassisnummer (VIN) */
  vin: string | null;
  /** Brandstof */
  fuel: CarsysFuel | null;
  /** Eerste registratiedatum, yyyy-mm-dd */
  firstRegistrationDate: string | null;
  /** APK datum (Dutch periodic inspection due date), yyyy-mm-dd */
  apkDate: string | null;
  /** Bestuurder id, Eigenaar id, Contractant id: ids of entries in `persons` */
  driverId: string | null;
  ownerId: string | null;
  contractorId: string | null;
}

/** Bestuurder / Eigenaar / Contractant. */
export interface CarsysPerson {
  /** the DMS's person id, referenced by vehicle.driverId / ownerId / contractorId */
  id: string;
  /** Bedrijfsnaam */
  companyName: string | null;
  /** Titel (Dhr., Mevr., …) */
  title: string | null;
  /** Voor- en achternaam */
  firstName: string | null;
  lastName: string | null;
  /** Straatnaam, Huisnummer, Postcode, Plaats */
  street: string | null;
  houseNumber: string | null;
  postcode: string | null;
  place: string | null;
  /** E-mail / Telefoonnummer / Mobiel nummer privé */
  privateEmail: string | null;
  privatePhone: string | null;
  privateMobile: string | null;
  /** E-mail / Telefoonnummer / Mobiel nummer zakelijk */
  businessEmail: string | null;
  businessPhone: string | null;
  businessMobile: string | null;
}

/** Afspraak. */
export interface CarsysAppointment {
  /** Afspraakdatum: ISO 8601 date-time with offset */
  appointmentDate: string;
  /** Aanmaakdatum: ISO 8601 date-time with offset */
  creationDate: string;
  /** Wachtende klant: the customer waits at the dealer while the work is done */
  waitingCustomer: boolean;
}

/** The body of one push (`POST /carsys/dealers/{dealerId}/work-orders`). */
export interface CarsysWorkOrderPush {
  /** DMS nummer: the appointment's number in the dealer's DMS */
  dmsNumber: string;
  /** WO nummer */
  workOrderNumber: string;
  /**
   * Ours: when the DMS last changed this work order (ISO 8601 with offset, ms precision). Orders pushes of
   * the same work order: a push older than the stored one is acknowledged but not applied.
   */
  modifiedAt: string;
  appointment: CarsysAppointment;
  interventions: CarsysIntervention[];
  vehicle: CarsysVehicle;
  persons: CarsysPerson[];
}

/** What the receiver answers to an accepted push. */
export interface CarsysPushAck {
  /** created: first push; updated: newer than the stored one; duplicate: same modifiedAt; stale: older, ignored */
  status: 'created' | 'updated' | 'duplicate' | 'stale';
  dmsNumber: string;
  workOrderNumber: string;
}

/** What the receiver answers to a refused push. */
export interface CarsysPushError {
  /** store_unavailable (503, Retry-After): our database could not take the push; nothing was stored, push it again */
  error: 'invalid_signature' | 'unknown_dealer' | 'stale_timestamp' | 'invalid_body' | 'too_large' | 'unsupported_media_type' | 'store_unavailable';
  message: string;
  /** invalid_body only: every bad field, by dotted path (`interventions.0.price`) */
  fields?: { field: string; problem: string }[];
}
