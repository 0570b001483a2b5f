import type { OzmapBox } from '../../vendors/ozmap/types';

/**
 * What a FibreBox resolver holds: the id, plus whatever fields the answer that produced it already
 * carried (a viability row has name, address, coords and implanted; a reference from the gateway or a
 * reservation has only the id). Missing fields are loaded on demand through the request's loaders.
 */
export type FibreBoxRef = Pick<OzmapBox, 'id'> & Partial<Pick<OzmapBox, 'name' | 'address' | 'coords' | 'implanted'>>;
