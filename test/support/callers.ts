import { ALL_SCOPES } from '../../platform/access';
import { CALLER_HEADER, signCallerIdentity, type CallerIdentity } from '../../platform/caller-identity';

/** The GATEWAY_SIGNING_SECRET in-process subgraph tests share with the headers they sign. */
export const TEST_SIGNING_SECRET = 'test-gateway-signing-secret-0001';

/** A partner with every scope and every grant (`*`): what a test that is not about access calls as. */
export const trustedPartner = (over: Partial<CallerIdentity> = {}): CallerIdentity => ({
  kind: 'partner',
  id: 'test-partner',
  customers: ['M123', 'M124', 'M125'],
  roles: [],
  scopes: [...ALL_SCOPES],
  grants: { workshops: ['*'], mmpOrganisations: ['*'], mmpPointsOfSale: ['*'], dealers: ['*'] },
  ...over,
});

/** The signed caller header the gateway would send for `identity`. */
export const callerHeaders = (identity: CallerIdentity = trustedPartner(), secret = TEST_SIGNING_SECRET): Record<string, string> => ({
  [CALLER_HEADER]: signCallerIdentity(identity, secret),
});
