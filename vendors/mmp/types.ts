/**
 * MMP Vision 360 wire shapes. Field names are the vendor's, as seed 003 shows them (including its
 * spellings: `campaignlabel`, `milageBasedEstimatedDate`, `vehicleVariante`). Fields the seed elides are
 * ours, named in the seed's style, and marked "ours" below; the sandbox serves exactly these shapes.
 */

/** The envelope of every data call. On failure `data` is `[]` and `errors` a map of messages. */
export interface MmpEnvelope<T> {
  success: boolean;
  data: T;
  message: string;
  errors: unknown;
}

export interface MmpTokenResponse {
  token_type?: string;
  access_token: string;
  expires_in: number;
}

export interface MmpTokenError {
  error: string;
  error_description: string;
  message: string;
}

export interface MmpVehicleInformation {
  monthlyMilageEstimated: number | null;
  vehicleReleaseDate: string | null;
  vehicleVariante: string | null;
  vehicleLastVisitDate: string | null;
  vehicleLastVisitMileage: number | null;
  vehicleCurrentMilageEstimated: number | null;
  vehicleLastTechnicalControlDate: string | null;
  vehicleNextTechnicalControlDate: string | null;
  /** ours: the seed shows these on import-client records; vision360 carries them too */
  vehicleVIN: string | null;
  vehicleBrand: string | null;
  vehicleModel: string | null;
  vehicleEnergy: string | null;
}

/** `import-client`: a client record as imported from a member's DMS files, unprocessed. */
export interface MmpImportClient {
  /** ours */
  clientDmsId: string | null;
  clientCivilite: string | null;
  clientNom: string | null;
  clientPrenom: string | null;
  clientRaisonSociale: string | null;
  clientAdresse: string | null;
  clientCodePostal: string | null;
  clientVille: string | null;
  clientEmail: string | null;
  clientTelephone: string | null;
  clientPortable: string | null;
  workshopNationalId: string | null;
  vehicleRegistrationPlate: string;
  /** seed */
  vehicleVIN: string | null;
  vehicleLastVisitMileage: number | null;
  vehicleLastTechnicalControlDate: string | null;
  vehicleNextTechnicalControlDate: string | null;
  vehicleLastAntipollutionControlDate: string | null;
  vehicleNextAntipollutionControlDate: string | null;
}

/** `client`: the processed client attached to the vehicle (seed elides the body; ours, in the blacklist's style). */
export interface MmpClient {
  clientId: number;
  clientCivilite: string | null;
  clientPrenom: string | null;
  clientNom: string | null;
  clientRaisonSociale: string | null;
  clientAdresse: string | null;
  clientCodePostal: string | null;
  clientVille: string | null;
  clientEmail: string | null;
  clientTelephone: string | null;
  clientPortable: string | null;
  relanceSms: boolean;
  relanceEmail: boolean;
  relanceCourrier: boolean;
  viePrivee: string | null;
  memberId: number | null;
  memberPoSCode: string | null;
  memberTradeName: string | null;
}

/** `historiques`: one operation done on the vehicle (ours: the seed elides the body). */
export interface MmpHistorique {
  operationDate: string;
  operationMileage: number | null;
  privateJobId: number | null;
  privateJobLabel: string | null;
  jobCode: string | null;
  jobLabel: string | null;
  invoiceDmsId: string | null;
  memberTradeName: string | null;
}

/** `previsions` (seed). */
export interface MmpPrevision {
  privateJobId: number;
  privateJobLabel: string;
  lastJobDate: string | null;
  milageBasedEstimatedDate: string | null;
  periodicBasedEstimatedDate: string | null;
  checkBasedEstimatedDate: string | null;
  forecastInformations: string | null;
}

/** The job and part of an invoice line, as both the raw and the processed invoice services carry them (seed). */
export interface MmpJobAndPart {
  packageCode: string;
  packageLabel: string;
  jobCode: string;
  jobLabel: string;
  partQuantity: number;
  partReference: string;
  partBrand: string;
  partLabel: string;
}

/** `import-factures`: one flat raw invoice line (seed). */
export interface MmpImportFacture extends MmpJobAndPart {
  workshopNationalId: string | null;
  clientDmsId: string | null;
  invoiceId: number;
  invoiceDmsId: string;
  invoiceDate: string;
  invoiceAmount: number;
  vehicleVIN: string | null;
  vehicleMileage: number | null;
  vehicleRegistrationPlate: string;
}

/** One line of a processed invoice (seed). */
export interface MmpFactureLine extends MmpJobAndPart {
  privateJobId: number | null;
  privateJobLabel: string | null;
  privateUsedSource: string | null;
}

/** `factures`: a processed invoice with its lines (seed). */
export interface MmpFacture {
  invoiceDmsId: string;
  invoiceDate: string;
  invoiceAmount: number;
  mileageOnInvoice: number | null;
  memberId: number | null;
  memberPoSCode: string | null;
  memberTradeName: string | null;
  invoiceContent: MmpFactureLine[];
}

/** `relances`: a marketing campaign reminder sent about the vehicle (seed). */
export interface MmpRelance {
  campaignId: number;
  campaignlabel: string;
  campaignType: string;
  memberId: number | null;
  memberPoSCode: string | null;
  memberTradeName: string | null;
  campaignDiffusionDate: string;
  diffusionList: { diffusionId: number; diffusionLabel: string }[];
  operationList: { operationId: number; operationLabel: string; messageDescription: string | null }[];
  clientDmsId: string | null;
}

/** `vehiculeDiagnostic` of vision360 ("voir WS Diagnostics": that WS is not documented; ours). */
export interface MmpDiagnostic {
  diagnosticDate: string | null;
  diagnosticMileage: number | null;
  alertList: { alertCode: string; alertLabel: string; alertLevel: 'info' | 'warning' | 'critical' }[];
}

/** `vision360`: every facet in one call (seed). */
export interface MmpVision360 {
  vehicleInformations: MmpVehicleInformation;
  clientList: MmpImportClient[];
  importFactureList: MmpImportFacture[];
  relanceClientList: MmpClient[];
  vehiculeHistoriqueList: MmpHistorique[];
  vehiculePrevisionList: MmpPrevision[];
  vehiculeFactureList: MmpFacture[];
  vehiculeDiagnostic: MmpDiagnostic | null;
  vehiculeRelanceList: MmpRelance[];
}

/** The eight vehicle services of the seed and what each returns. */
export interface MmpVehicleServices {
  'import-client': MmpImportClient[];
  client: MmpClient[];
  historiques: MmpHistorique[];
  previsions: MmpPrevision[];
  'import-factures': MmpImportFacture[];
  factures: MmpFacture[];
  relances: MmpRelance[];
  vision360: MmpVision360;
}
export type MmpVehicleService = keyof MmpVehicleServices;
export const mmpVehicleServices: MmpVehicleService[] = ['import-client', 'client', 'historiques', 'previsions', 'import-factures', 'factures', 'relances', 'vision360'];
