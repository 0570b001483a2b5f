/**
 * MMP Vision 360 adherent (member workshop) services, seed 003 §13-15. Field names are the vendor's as
 * the seed shows them; fields the seed elides are ours and marked so. The vehicle services are in types.ts.
 */

/** §13 Clients campagnes: one client reminded in a campaign (seed). */
export interface MmpCampagneClient {
  civilite: string | null;
  prenom: string | null;
  nom: string | null;
  vehicule: { immatriculation: string; marque: string | null; modele: string | null };
  operation: { id: number; label: string };
  promotion: { id: number; label: string }[];
  diffusion: { sms: boolean; email: boolean; courrier: boolean };
}

/** §13: one campaign of the adherent with the clients it reminded (seed). */
export interface MmpCampagne {
  id: number;
  dateDiffusion: string;
  datePrediction: string;
  dateCreation: string;
  clientList: MmpCampagneClient[];
}

/**
 * §13 answer. The seed puts `campagneList` beside `data` (not inside it); `pagination` is ours: the seed
 * shows `?page=N` but not how a caller knows the last page.
 */
export interface MmpCampagnesClientsResponse {
  success: boolean;
  data: { id: number; articleCode: string | null; articleLibelle: string | null };
  campagneList: MmpCampagne[];
  pagination: { currentPage: number; lastPage: number; perPage: number; total: number };
  message: string;
  errors: unknown;
}

/** §14 BlackList Email / SMS: one entry (seed, JSON form). The CSV form has the same columns. */
export interface MmpBlacklistEntry {
  clientId: number;
  clientPrenom: string | null;
  clientNom: string | null;
  clientRaisonSociale: string | null;
  /** true: the client may still be reminded by SMS */
  relanceSms: boolean;
  /** true: the client may still be reminded by e-mail */
  relanceEmail: boolean;
  synchroDmsTelephone: boolean;
  synchroDmsEmail: boolean;
  /** channels the client declared private, `a | b | c` (telephone mobile, telephone professionnel, email, courrier) */
  viePrivee: string | null;
  clientPortable: string | null;
  clientEmail: string | null;
  adherentNomCourt: string | null;
  clientCodePostal: string | null;
  adherentCodePdv: string | null;
}

/** The CSV columns of §14, in the order the sandbox writes them (ours: the seed shows the JSON form). */
export const mmpBlacklistColumns: (keyof MmpBlacklistEntry)[] = [
  'clientId',
  'clientPrenom',
  'clientNom',
  'clientRaisonSociale',
  'relanceSms',
  'relanceEmail',
  'synchroDmsTelephone',
  'synchroDmsEmail',
  'viePrivee',
  'clientPortable',
  'clientEmail',
  'adherentNomCourt',
  'clientCodePostal',
  'adherentCodePdv',
];

/** §15 Push informations Clients / Factures: `data` of a successful import (seed). */
export interface MmpImportFichierResult {
  success: boolean;
  message: string;
}
