import type { CallerIdentity, VerifyFailure } from '../../platform/caller-identity';
import type { OrderActions } from './actions';
import type { OrderEventFeed } from './events';
import type { OrderLoaders } from './loaders';
import type { OrderStore } from './store';

/** The per-request context of the Order subgraph (HTTP request, or one subscription over WebSocket). */
export interface OrderContext {
  /** the caller the gateway authenticated, from the signed identity header; undefined when none */
  caller?: CallerIdentity;
  /** why a present identity header was refused */
  callerProblem?: VerifyFailure;
  orders: OrderStore;
  loaders: OrderLoaders;
  actions: OrderActions;
  feed: OrderEventFeed;
}
