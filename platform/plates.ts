import { badInput } from './errors';

/**
 * Registration plates arrive as `ab-123-cd`, `AB 123 CD`, `12-ABC-3`, `ABC123`. Every part of
 * Switchboard keys vehicles by one normal form: upper case, letters and digits only (`AB123CD`).
 * Valid: 4 to 10 characters after normalising, at least one letter and one digit (French SIV and
 * FNI plates, Dutch sidecodes, and the short test plates vendors document).
 */
export function normalisePlate(input: string): string {
  const compact = input.normalize('NFKC').toUpperCase().replace(/[\s\-.·_]/g, '');
  if (!/^[A-Z0-9]{4,10}$/.test(compact) || !/[A-Z]/.test(compact) || !/\d/.test(compact)) {
    throw badInput(`"${input.slice(0, 40)}" is not a registration plate (expected 4-10 letters and digits, e.g. AB-123-CD or 12-ABC-3)`, {
      argument: 'plate',
    });
  }
  return compact;
}

/** French SIV display form AB-123-CD when the plate has that shape; otherwise the compact form. */
export function displayPlate(compact: string): string {
  const siv = /^([A-Z]{2})(\d{3})([A-Z]{2})$/.exec(compact);
  return siv ? `${siv[1]}-${siv[2]}-${siv[3]}` : compact;
}
