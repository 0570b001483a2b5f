import type { PublishedCapacity } from '../../vendors/customerconnect/client';
import type { CcCapacityDay } from '../../vendors/customerconnect/types';

/** What a Workshop resolver holds: only the key (= CustomerConnect userid). Capacity is loaded on demand. */
export interface WorkshopRef {
  id: string;
}

/** The outcome of a publish: the client's record of what it sent and what CustomerConnect stored. */
export type PublishOutcome = PublishedCapacity;

/** One post as sent: its days. */
export type PostedDays = CcCapacityDay[];
