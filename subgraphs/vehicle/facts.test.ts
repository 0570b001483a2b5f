import { describe, expect, it } from 'vitest';
import { factConflicts, fuelOf, mergeFacts, type SourceFacts } from './facts';

const mmp: SourceFacts = { make: 'PEUGEOT', model: '308 SW', vin: 'vf3abc', fuel: 'DIESEL', firstRegistrationDate: null };
const carsys: SourceFacts = { make: 'Peugeot', model: '308-SW', vin: 'VF3ABC', fuel: 'PETROL', firstRegistrationDate: '2016-03-14' };

describe('merged vehicle facts', () => {
  it('maps both vocabularies of fuel to one', () => {
    expect(['Essence', 'benzine', 'Diesel', 'Gazole', 'Électrique', 'elektrisch', 'Hybride', 'plug-in hybride', 'lpg', 'GPL', 'waterstof', 'overig', '', null].map(fuelOf)).toEqual([
      'PETROL', 'PETROL', 'DIESEL', 'DIESEL', 'ELECTRIC', 'ELECTRIC', 'HYBRID', 'PLUG_IN_HYBRID', 'LPG', 'LPG', 'HYDROGEN', 'OTHER', null, null,
    ]);
  });

  it('takes MMP first, Carsys where MMP has nothing, and names the source of each fact', () => {
    expect(mergeFacts([['MMP', mmp], ['CARSYS', carsys]])).toEqual({
      make: 'PEUGEOT', makeSource: 'MMP', model: '308 SW', modelSource: 'MMP', vin: 'vf3abc', vinSource: 'MMP', fuel: 'DIESEL', fuelSource: 'MMP',
      firstRegistrationDate: '2016-03-14', firstRegistrationDateSource: 'CARSYS',
    });
    expect(mergeFacts([['MMP', null], ['CARSYS', null]]).make).toBeNull();
  });

  it('reports only real differences: case, spaces and dashes in makes and models, case in VINs are not', () => {
    expect(factConflicts([['MMP', mmp], ['CARSYS', carsys]])).toEqual([{ fact: 'fuel', values: [{ source: 'MMP', value: 'DIESEL' }, { source: 'CARSYS', value: 'PETROL' }] }]);
    expect(factConflicts([['MMP', null], ['CARSYS', carsys]])).toEqual([]);
  });
});
