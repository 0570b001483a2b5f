import { isIsoDate, minutesOfDay } from './dates';
import { CC_WORK_TYPES, type CcCapacityDay } from './types';

/** One broken rule: where (`days[2].capacity[0].bookedMinutes`) and what. */
export interface CapacityProblem {
  field: string;
  message: string;
}

/** Largest minutes value a day can hold per entry (a day has 1440 minutes; several mechanics multiply it). */
export const MAX_MINUTES_PER_ENTRY = 100 * 24 * 60;

const isMinutes = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * The content rules of a capacity day, shared by the sandbox (which answers 400 with them) and the
 * Capacity subgraph (which refuses the input before any call): a real date, each date once, opening
 * intervals `HH:mm` with open < close that do not overlap, known work types, whole non-negative minutes,
 * booked <= available, and each (work type, mechanic) once per day.
 * Batch-size rules (1 or 5 consecutive days) are the POST's own, checked by the sandbox only.
 */
export function capacityDayProblems(days: unknown[]): CapacityProblem[] {
  const problems: CapacityProblem[] = [];
  const seenDates = new Map<string, number>();
  days.forEach((raw, i) => {
    const at = `days[${i}]`;
    if (!raw || typeof raw !== 'object') return problems.push({ field: at, message: 'expected an object' });
    const day = raw as Partial<CcCapacityDay>;
    if (typeof day.date !== 'string' || !isIsoDate(day.date)) problems.push({ field: `${at}.date`, message: `${JSON.stringify(day.date)} is not a date yyyy-mm-dd` });
    else if (seenDates.has(day.date)) problems.push({ field: `${at}.date`, message: `${day.date} appears twice (also days[${seenDates.get(day.date)}]): days must not overlap` });
    else seenDates.set(day.date, i);

    if (!Array.isArray(day.openingHours)) problems.push({ field: `${at}.openingHours`, message: 'expected a list (empty for a closed day)' });
    else {
      const intervals: { open: number; close: number; j: number }[] = [];
      day.openingHours.forEach((h, j) => {
        const f = `${at}.openingHours[${j}]`;
        const open = minutesOfDay(String(h?.open));
        const close = minutesOfDay(String(h?.close));
        if (open === undefined) problems.push({ field: `${f}.open`, message: `${JSON.stringify(h?.open)} is not a time HH:mm` });
        if (close === undefined) problems.push({ field: `${f}.close`, message: `${JSON.stringify(h?.close)} is not a time HH:mm` });
        if (open !== undefined && close !== undefined) {
          if (open >= close) problems.push({ field: f, message: `opens at ${h.open} but closes at ${h.close}` });
          else intervals.push({ open, close, j });
        }
      });
      intervals.sort((a, b) => a.open - b.open);
      for (let k = 1; k < intervals.length; k++) {
        if (intervals[k]!.open < intervals[k - 1]!.close) {
          problems.push({ field: `${at}.openingHours[${intervals[k]!.j}]`, message: `overlaps openingHours[${intervals[k - 1]!.j}]` });
        }
      }
    }

    if (!Array.isArray(day.capacity)) problems.push({ field: `${at}.capacity`, message: 'expected a list of work-type capacities' });
    else {
      const seen = new Set<string>();
      day.capacity.forEach((c, j) => {
        const f = `${at}.capacity[${j}]`;
        if (!c || typeof c !== 'object') return problems.push({ field: f, message: 'expected an object' });
        if (!(CC_WORK_TYPES as readonly string[]).includes(c.workType)) problems.push({ field: `${f}.workType`, message: `${JSON.stringify(c.workType)} is not one of ${CC_WORK_TYPES.join(', ')}` });
        if (c.mechanic !== undefined && c.mechanic !== null && (typeof c.mechanic !== 'string' || !c.mechanic.trim())) problems.push({ field: `${f}.mechanic`, message: 'expected a non-empty mechanic code or none' });
        for (const k of ['availableMinutes', 'bookedMinutes'] as const) {
          const v = c[k];
          if (!isMinutes(v) || v < 0 || v > MAX_MINUTES_PER_ENTRY) problems.push({ field: `${f}.${k}`, message: `${JSON.stringify(v)} is not a whole number of minutes from 0 to ${MAX_MINUTES_PER_ENTRY}` });
        }
        if (isMinutes(c.availableMinutes) && isMinutes(c.bookedMinutes) && c.bookedMinutes > c.availableMinutes && c.bookedMinutes >= 0 && c.availableMinutes >= 0) {
          problems.push({ field: `${f}.bookedMinutes`, message: `${c.bookedMinutes} booked minutes exceed the ${c.availableMinutes} available` });
        }
        const key = `${c.workType}|${c.mechanic ?? ''}`;
        if (seen.has(key)) problems.push({ field: f, message: `${c.workType}${c.mechanic ? ` for mechanic ${c.mechanic}` : ''} appears twice on one day` });
        seen.add(key);
      });
    }
  });
  return problems;
}
