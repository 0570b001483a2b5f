import { addDays, dateRange } from '../dates';
import type { CcCapacityDay, CcWorkType } from '../types';

/** A registered API client of the sandbox's IdentityServer. */
export interface SandboxClient {
  clientId: string;
  secret: string;
  /** publisher: writes capacity for a workshop user (token per userid); reader: reads every user's capacity */
  role: 'publisher' | 'reader';
}

/** The seed's test client, and a reader client standing in for the garage comparison site. */
export const defaultClients: SandboxClient[] = [
  { clientId: 'Autoflex', secret: 'geheim', role: 'publisher' },
  { clientId: 'Garagevergelijker', secret: 'sandbox-reader-secret', role: 'reader' },
];

/** The seed's test user 121212 (empty calendar), plus 40 seeded workshops 6060001..6060040 (the test reservation module shows werkplaats=6060001). */
export const TEST_USER = '121212';
export const seededUsers = Array.from({ length: 40 }, (_, i) => String(6060001 + i));
export const defaultUsers = [TEST_USER, ...seededUsers];

/** mulberry32 over a string hash: the same (user, date) always yields the same day. */
function prng(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDED_TYPES: CcWorkType[] = ['APK', 'ONDERHOUD', 'REPARATIE', 'BANDEN', 'AIRCO'];

/** A plausible planner day: weekdays 08:00-17:30 with a lunch break, Saturday morning only, Sunday closed. */
export function seededDay(userid: string, date: string): CcCapacityDay {
  const rnd = prng(`${userid}|${date}`);
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (weekday === 0) return { date, openingHours: [], capacity: [] };
  const saturday = weekday === 6;
  const openingHours = saturday ? [{ open: '08:30', close: '12:30' }] : [{ open: '08:00', close: '12:30' }, { open: '13:00', close: '17:30' }];
  const types = saturday ? SEEDED_TYPES.slice(0, 2) : SEEDED_TYPES;
  const capacity = types.map((workType) => {
    const availableMinutes = (saturday ? 60 : 120) + Math.floor(rnd() * 8) * 30;
    const bookedMinutes = Math.min(availableMinutes, Math.floor(rnd() * 10) * 30);
    return { workType, availableMinutes, bookedMinutes };
  });
  return { date, openingHours, capacity };
}

/** Monday of the week containing `now`, so `npm start` shows this week and the next. */
export function mondayOf(now: number): string {
  const today = new Date(now).toISOString().slice(0, 10);
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  return addDays(today, -((weekday + 6) % 7));
}

/** Seeded calendars: every seeded workshop has `days` days from `from` published. */
export function seedCalendars(from: string, days: number): Map<string, Map<string, CcCapacityDay>> {
  const calendars = new Map<string, Map<string, CcCapacityDay>>();
  for (const user of seededUsers) {
    calendars.set(user, new Map(dateRange(from, addDays(from, days - 1)).map((d) => [d, seededDay(user, d)])));
  }
  return calendars;
}
