import { badInput } from '../../platform/errors';
import { daysBetween, isIsoDate } from '../../vendors/customerconnect/dates';
import { capacityDayProblems } from '../../vendors/customerconnect/rules';
import type { CcCapacityDay } from '../../vendors/customerconnect/types';
import type { WorkshopCapacityDayInput } from './resolvers.generated';
import { toWireWorkType } from './work-types';

/** The platform reads at most 92 days per call; a publish is held to the same span. */
export const MAX_RANGE_DAYS = 92;
export const MAX_WORKSHOPS = 50;

/**
 * A workshop id is its CustomerConnect userid, sent as a form field and as an element of a
 * comma-separated query list, so it must be a plain token: letters, digits, `.`, `_`, `-`.
 */
export function workshopUserid(id: string, argument = 'id'): string {
  const v = id.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(v)) {
    throw badInput(`"${id.slice(0, 40)}" is not a workshop id (its CustomerConnect userid, e.g. 121212)`, { argument });
  }
  return v;
}

export function capacityRange(from: string, to: string): { from: string; to: string } {
  if (!isIsoDate(from)) throw badInput(`from ${JSON.stringify(from)} is not a date yyyy-mm-dd`, { argument: 'from' });
  if (!isIsoDate(to)) throw badInput(`to ${JSON.stringify(to)} is not a date yyyy-mm-dd`, { argument: 'to' });
  if (to < from) throw badInput(`to (${to}) is before from (${from})`, { argument: 'to' });
  if (daysBetween(from, to) >= MAX_RANGE_DAYS) throw badInput(`at most ${MAX_RANGE_DAYS} days per range (${from}..${to})`, { argument: 'to' });
  return { from, to };
}

/**
 * Turns the mutation input into the platform's days, or refuses all of it with every problem listed
 * (field paths in the input's own names), before any call is made.
 */
export function publishableDays(input: WorkshopCapacityDayInput[]): CcCapacityDay[] {
  if (!input.length) throw badInput('days is empty: give at least one day', { argument: 'days' });
  if (input.length > MAX_RANGE_DAYS) throw badInput(`at most ${MAX_RANGE_DAYS} days per publish (got ${input.length})`, { argument: 'days' });
  const days: CcCapacityDay[] = input.map((d) => ({
    date: d.date,
    openingHours: d.openingHours.map(({ open, close }) => ({ open: open.trim(), close: close.trim() })),
    capacity: d.workTypes.map((w) => ({
      workType: toWireWorkType[w.workType],
      ...(w.mechanic !== undefined && w.mechanic !== null ? { mechanic: w.mechanic.trim() } : {}),
      availableMinutes: w.availableMinutes,
      bookedMinutes: w.bookedMinutes,
    })),
  }));
  const problems = capacityDayProblems(days).map((p) => ({ ...p, field: p.field.replace(/\.capacity\[/g, '.workTypes[') }));
  if (!problems.length) {
    const dates = days.map((d) => d.date).sort();
    if (daysBetween(dates[0]!, dates.at(-1)!) >= MAX_RANGE_DAYS) problems.push({ field: 'days', message: `the days span more than ${MAX_RANGE_DAYS} days` });
  }
  if (problems.length) {
    throw badInput(`capacity refused: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, { argument: 'days', problems });
  }
  return days;
}
