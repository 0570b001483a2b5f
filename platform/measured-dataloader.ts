import DataLoader from 'dataloader';
import { measuredBatch } from './metrics';

/**
 * A DataLoader whose batch sizes are observed under a name (`switchboard_dataloader_batch_size{loader}`):
 * how well a request's calls are batched is visible per loader. Same API as DataLoader, the name first.
 */
export class MeasuredDataLoader<K, V, C = K> extends DataLoader<K, V, C> {
  constructor(name: string, batch: DataLoader.BatchLoadFn<K, V>, options?: DataLoader.Options<K, V, C>) {
    super(measuredBatch(name, batch), options);
  }
}
