/** Calendar-date helpers on `yyyy-mm-dd` strings (UTC arithmetic, so no daylight-saving surprises). */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in yyyy-mm-dd form (rejects 2025-02-30). */
export function isIsoDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

const toMs = (s: string) => Date.parse(`${s}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const addDays = (s: string, n: number): string => fromMs(toMs(s) + n * 86_400_000);

/** Whole days from `a` to `b` (b - a). */
export const daysBetween = (a: string, b: string): number => Math.round((toMs(b) - toMs(a)) / 86_400_000);

/** Every date from `from` to `to`, both included. */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** `HH:mm` 00:00-24:00 → minutes since midnight, or undefined when malformed. */
export function minutesOfDay(hhmm: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(hhmm);
  if (!m) return undefined;
  const v = +m[1]! * 60 + +m[2]!;
  return v > 24 * 60 ? undefined : v;
}
