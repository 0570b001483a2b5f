/**
 * What every domain's `clients.ts` factory (`create<Domain>Clients(config, log, redis)`) gives its main.ts: the
 * vendor clients the subgraph is built with, the origins they call (for the start-up log line) and how to
 * close their connections on shutdown. One factory per domain, so main.ts never assembles HTTP clients itself.
 */
export interface DomainClients<T> {
  clients: T;
  origins: Record<string, string>;
  close(): Promise<void>;
}
