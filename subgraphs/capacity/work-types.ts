import type { CcWorkType } from '../../vendors/customerconnect/types';
import type { WorkshopWorkType } from './resolvers.generated';

/** Our English enum names and CustomerConnect's Dutch codes, one table both ways. */
export const toWireWorkType: Record<WorkshopWorkType, CcWorkType> = {
  APK: 'APK',
  MAINTENANCE: 'ONDERHOUD',
  REPAIR: 'REPARATIE',
  TYRES: 'BANDEN',
  AIRCO: 'AIRCO',
  DIAGNOSIS: 'DIAGNOSE',
  BODYWORK: 'SCHADE',
};

const fromWire = new Map(Object.entries(toWireWorkType).map(([ours, wire]) => [wire, ours as WorkshopWorkType]));

export function fromWireWorkType(code: string): WorkshopWorkType {
  const ours = fromWire.get(code as CcWorkType);
  if (!ours) throw new Error(`CustomerConnect sent an unknown work type ${JSON.stringify(code)}`);
  return ours;
}
