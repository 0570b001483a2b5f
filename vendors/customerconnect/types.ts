/**
 * Wire shapes of the CustomerConnect platform (OEC). Known from the vendor: the IdentityServer token
 * endpoint and its form fields, and that `POST /ccplatform/api/v1/capacity` takes one day or five days.
 * OEC published no OpenAPI, so the capacity payload, the GET parameters and the error bodies are ours
 * (documented at the top of sandbox/server.ts); they follow what a Dutch workshop-planning system (GMS)
 * holds per day: opening hours and minutes per work type.
 */

/** Form body of `POST /connect/token` (client id/secret go in HTTP Basic auth, as the seed's Postman collection does). */
export interface CcTokenRequest {
  grant_type: 'client_credentials';
  /** the workshop user the token acts for; publishing clients only, one token per (client, userid) */
  userid?: string;
}

/** IdentityServer token response. */
export interface CcTokenResponse {
  access_token: string;
  expires_in: number;
  token_type: 'Bearer';
  scope: string;
}

/** IdentityServer error body (`invalid_client`, `invalid_grant`, `invalid_request`, `unsupported_grant_type`, `unauthorized_client`). */
export interface CcTokenError {
  error: string;
  error_description?: string;
}

/**
 * Work types a Dutch workshop planner distinguishes (APK = periodic roadworthiness test, onderhoud =
 * service, reparatie, banden = tyres, airco, diagnose, schade = bodywork).
 */
export const CC_WORK_TYPES = ['APK', 'ONDERHOUD', 'REPARATIE', 'BANDEN', 'AIRCO', 'DIAGNOSE', 'SCHADE'] as const;
export type CcWorkType = (typeof CC_WORK_TYPES)[number];

/** One opening interval of the workshop, local time (Europe/Amsterdam) `HH:mm`; a lunch break is two intervals. */
export interface CcOpeningInterval {
  open: string;
  close: string;
}

/** Minutes of one work type (optionally for one mechanic) on one day. */
export interface CcWorkTypeCapacity {
  workType: CcWorkType;
  /** the planner's mechanic code when capacity is planned per mechanic; absent for the whole workshop */
  mechanic?: string | null;
  /** minutes the workshop offers for this work type that day */
  availableMinutes: number;
  /** minutes of those already booked */
  bookedMinutes: number;
}

/** One day of capacity. A day without opening intervals is a closed day. */
export interface CcCapacityDay {
  /** yyyy-mm-dd */
  date: string;
  openingHours: CcOpeningInterval[];
  capacity: CcWorkTypeCapacity[];
}

/** Body of `POST /ccplatform/api/v1/capacity`: exactly 1 day, or 5 consecutive days. The user is the token's. */
export interface CcCapacityPost {
  days: CcCapacityDay[];
}

/** Answer of a successful POST. */
export interface CcCapacityPostResult {
  userid: string;
  /** dates stored (replacing whatever that user had for them) */
  stored: string[];
}

/** Query of the reader's `GET /ccplatform/api/v1/capacity`: `userid` comma separated (at most 50), `from`/`to` inclusive. */
export interface CcCapacityQuery {
  userid: string;
  from: string;
  to: string;
}

export const CC_MAX_USERIDS_PER_READ = 50;

/** One user's published days in the range (days never published are absent). */
export interface CcUserCapacity {
  userid: string;
  days: CcCapacityDay[];
}

/** Answer of the reader's GET. Users unknown to the platform are listed in `unknown` instead. */
export interface CcCapacityReadResult {
  from: string;
  to: string;
  users: CcUserCapacity[];
  unknown: string[];
}

/** ASP.NET Core ProblemDetails, the platform's error body on data calls (400 adds `errors` per field). */
export interface CcProblem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Record<string, string[]>;
}
