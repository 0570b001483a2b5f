import { addDays } from './dates';
import type { CcCapacityDay } from './types';

/** The only batch sizes the platform accepts on `POST /ccplatform/api/v1/capacity`. */
export const CC_POST_SIZES = [5, 1] as const;
const FULL_POST = CC_POST_SIZES[0];

/**
 * Cuts a set of days into the posts the platform accepts: five consecutive days where a run of
 * consecutive dates allows it, one day otherwise. A 7-day week is one five-day post and two one-day
 * posts; Mon-Wed plus Fri-Sun (a gap) is six one-day posts. Fewest posts for a run of n days:
 * floor(n/5) five-day posts + n mod 5 one-day posts. Input order does not matter; dates must be distinct.
 */
export function planCapacityPosts(days: CcCapacityDay[]): CcCapacityDay[][] {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const runs: CcCapacityDay[][] = [];
  for (const day of sorted) {
    const run = runs.at(-1);
    if (run && addDays(run.at(-1)!.date, 1) === day.date) run.push(day);
    else runs.push([day]);
  }
  const posts: CcCapacityDay[][] = [];
  for (const run of runs) {
    let i = 0;
    for (; i + FULL_POST <= run.length; i += FULL_POST) posts.push(run.slice(i, i + FULL_POST));
    for (; i < run.length; i++) posts.push([run[i]!]);
  }
  return posts;
}
