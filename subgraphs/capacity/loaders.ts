import { MeasuredDataLoader } from '../../platform/measured-dataloader';
import { notFound } from '../../platform/errors';
import type { CustomerConnectClient } from '../../vendors/customerconnect/client';
import { CC_MAX_USERIDS_PER_READ, type CcCapacityDay } from '../../vendors/customerconnect/types';

export interface CapacityKey {
  userid: string;
  from: string;
  to: string;
}

export interface CapacityLoaders {
  /** A workshop's published days in a range; every key asked in one tick for the same range shares one read. */
  capacity(key: CapacityKey): Promise<CcCapacityDay[]>;
  /** Forget what this request read (after a publish, so the result shows the new calendar). */
  forget(): void;
}

/**
 * Built per request. Keys are grouped by range and read 50 users per GET (the platform's limit), all with
 * the one cached reader token. Errors are per key (DataLoader's per-key errors): a user CustomerConnect
 * does not know fails alone; a failed call fails only the keys it carried.
 */
export function createCapacityLoaders(cc: CustomerConnectClient): CapacityLoaders {
  const loader = new MeasuredDataLoader<CapacityKey, CcCapacityDay[], string>('capacity.capacity', 
    async (keys) => {
      const byRange = new Map<string, string[]>();
      for (const { userid, from, to } of keys) {
        const range = `${from}|${to}`;
        const ids = byRange.get(range) ?? [];
        if (!ids.includes(userid)) ids.push(userid);
        byRange.set(range, ids);
      }
      const answers = new Map<string, CcCapacityDay[] | Error>();
      await Promise.all(
        [...byRange].flatMap(([range, ids]) => {
          const [from, to] = range.split('|') as [string, string];
          const chunks: string[][] = [];
          for (let i = 0; i < ids.length; i += CC_MAX_USERIDS_PER_READ) chunks.push(ids.slice(i, i + CC_MAX_USERIDS_PER_READ));
          return chunks.map(async (chunk) => {
            try {
              const read = await cc.readCapacity(chunk, from, to);
              const found = new Map(read.users.map((u) => [u.userid, u.days]));
              for (const id of chunk) {
                answers.set(`${id}|${range}`, found.get(id) ?? notFound(`CustomerConnect does not know workshop ${id}`, { workshopId: id }));
              }
            } catch (err) {
              for (const id of chunk) answers.set(`${id}|${range}`, err as Error);
            }
          });
        }),
      );
      return keys.map((k) => answers.get(`${k.userid}|${k.from}|${k.to}`)!);
    },
    { cacheKeyFn: (k) => `${k.userid}|${k.from}|${k.to}` },
  );
  return {
    capacity: (key) => loader.load(key),
    forget: () => {
      loader.clearAll();
    },
  };
}
