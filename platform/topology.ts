import type { Config } from './config';
import { localUrl } from './config';

/**
 * Every process `npm start` runs, in start order, with its entry point and its port.
 * The tests, the composer and the start script read this list; nothing else hard-codes a port.
 */
export interface ServiceSpec {
  name: string;
  kind: 'sandbox' | 'subgraph' | 'gateway';
  entry: string;
  port: (c: Config) => number;
}

export interface SubgraphSpec extends ServiceSpec {
  kind: 'subgraph';
  schemaFile: string;
  /** URL the gateway routes to */
  url: (c: Config) => string;
}

const subgraph = (name: string, port: (c: Config) => number, url: (c: Config) => string | undefined): SubgraphSpec => ({
  name,
  kind: 'subgraph',
  entry: `subgraphs/${name}/main.ts`,
  schemaFile: `subgraphs/${name}/${name}.graphql`,
  port,
  url: (c) => url(c) ?? localUrl(port(c), '/graphql'),
});

const sandbox = (vendor: string, port: (c: Config) => number): ServiceSpec => ({
  name: `${vendor}-sandbox`,
  kind: 'sandbox',
  entry: `vendors/${vendor}/sandbox/main.ts`,
  port,
});

export const sandboxes: ServiceSpec[] = [
  sandbox('mmp', (c) => c.MMP_SANDBOX_PORT),
  sandbox('carsys', (c) => c.CARSYS_SANDBOX_PORT),
  sandbox('customerconnect', (c) => c.CUSTOMERCONNECT_SANDBOX_PORT),
  sandbox('vitec', (c) => c.VITEC_SANDBOX_PORT),
  sandbox('ozmap', (c) => c.OZMAP_SANDBOX_PORT),
];

export const subgraphs: SubgraphSpec[] = [
  subgraph('vehicle', (c) => c.VEHICLE_PORT, (c) => c.VEHICLE_URL),
  subgraph('customer', (c) => c.CUSTOMER_PORT, (c) => c.CUSTOMER_URL),
  subgraph('capacity', (c) => c.CAPACITY_PORT, (c) => c.CAPACITY_URL),
  subgraph('order', (c) => c.ORDER_PORT, (c) => c.ORDER_URL),
  subgraph('coverage', (c) => c.COVERAGE_PORT, (c) => c.COVERAGE_URL),
];

export const gateway: ServiceSpec = { name: 'gateway', kind: 'gateway', entry: 'gateway/main.ts', port: (c) => c.GATEWAY_PORT };

export const allServices: ServiceSpec[] = [...sandboxes, ...subgraphs, gateway];
