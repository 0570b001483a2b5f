import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { parse } from 'graphql';
import { enforceAccessDirectives } from '../../platform/access-directives';
import { callerFromHeader, callerHeaderOf, CALLER_HEADER } from '../../platform/caller-identity';
import type { VitecCustomerMode } from '../../platform/config/vitec';
import type { Store } from '../../platform/db';
import type { Job } from '../../platform/jobs';
import type { Logger } from '../../platform/logger';
import type { PubSub } from '../../platform/pubsub';
import type { VitecClient } from '../../vendors/vitec/client';
import { createOrderActions } from './actions';
import type { OrderContext } from './context';
import { createOrderEventFeed, type OrderEventFeedOptions } from './events';
import { createOrderIntakeRoute, type OrderIntakeOptions } from './intake';
import { createOrderLoaders } from './loaders';
import { resolvers } from './resolvers';
import { createOrderStore, PROCESS_ORDER_JOB } from './store';

export const orderTypeDefs = parse(readFileSync(new URL('./order.graphql', import.meta.url), 'utf8'));

/** Same as platform/jobs' default: after this many attempts a job is closed, so the order is closed too. */
export const MAX_PROCESS_ATTEMPTS = 8;

export interface OrderSubgraphOptions {
  store: Store;
  vitec: VitecClient;
  pubsub: PubSub;
  log: Logger;
  /** pub/sub channel of order events (one per deployment) */
  channel: string;
  signingSecret: string;
  customers: VitecCustomerMode[];
  intakeBasic: { username: string; password: string };
  autoAcknowledge: boolean;
  replayHours: number;
  /** token orders never verified by Vitec are pruned after this long */
  unverifiedTtlS?: number;
  /** per-office limit of the intake route (see intake.ts) */
  intakeOfficeLimit?: OrderIntakeOptions['officeLimit'];
  /** bounds of gap-free live delivery (events.ts); defaults suit production */
  events?: Pick<OrderEventFeedOptions, 'catchUpPollMs' | 'lookbackMs' | 'maxGapMs' | 'maxQueue'>;
}

/**
 * The Order subgraph as a value: schema, per-request and per-subscription contexts, the Vitec order
 * intake route and the job handler of background processing. No env, no listening (see server.ts).
 */
export function createOrderSubgraph(opts: OrderSubgraphOptions) {
  const orders = createOrderStore(opts.store);
  const feed = createOrderEventFeed({ ...opts.events, pubsub: opts.pubsub, channel: opts.channel, orders, log: opts.log, replayHours: opts.replayHours });
  const actions = createOrderActions({ orders, feed, vitec: opts.vitec, log: opts.log, autoAcknowledge: opts.autoAcknowledge });
  let wake = () => undefined as void;

  const contextFor = (header: string | undefined, cache: boolean): OrderContext => {
    const caller = callerFromHeader(header, opts.signingSecret, (problem) => opts.log.warn('refused a caller identity header', { problem }));
    return { orders, feed, actions, loaders: createOrderLoaders(orders, { cache }), ...caller };
  };

  return {
    schema: enforceAccessDirectives(buildSubgraphSchema([{ typeDefs: orderTypeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }])),
    context: (req: IncomingMessage) => contextFor(callerHeaderOf(req.headers), true),
    /** a subscription's context lives as long as the subscription: loaders batch but never cache */
    subscriptionContext: (operationHeaders: Record<string, unknown> | undefined, connectionParams: Record<string, unknown> | undefined) =>
      contextFor(callerHeaderOf(operationHeaders) ?? (typeof connectionParams?.[CALLER_HEADER] === 'string' ? (connectionParams[CALLER_HEADER] as string) : undefined), false),
    routes: [
      createOrderIntakeRoute({ orders, feed, log: opts.log, customers: opts.customers, basic: opts.intakeBasic, onAccepted: () => wake(), unverifiedTtlS: opts.unverifiedTtlS, officeLimit: opts.intakeOfficeLimit }),
    ],
    jobHandlers: {
      [PROCESS_ORDER_JOB]: (job: Job) => actions.processOrder((job.payload as { orderId: string }).orderId, job.attempts, MAX_PROCESS_ATTEMPTS),
    },
    /** the intake calls this after each new order so the worker starts at once instead of at its next poll */
    onOrderAccepted(fn: () => void) {
      wake = fn;
    },
    orders,
    feed,
    actions,
  };
}
export type OrderSubgraph = ReturnType<typeof createOrderSubgraph>;
