import { DEV_PARTNER_KEY } from '../../platform/config/auth';

export interface GraphQLResult<T = Record<string, any>> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** The embedded default's development partner (README): what a caller needs for mutations and subscriptions. */
export const DEV_PARTNER = { 'x-api-key': DEV_PARTNER_KEY };

/** One GraphQL POST over the wire, as a client app would send it. */
export async function gql<T = Record<string, any>>(url: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return JSON.parse(text) as GraphQLResult<T>;
  } catch {
    throw new Error(`non-JSON answer ${res.status} from ${url}: ${text.slice(0, 200)}`);
  }
}

export interface SandboxStats {
  tokenRequests: number;
  dataRequests: number;
  byPath: Record<string, number>;
  abortedRequests: number;
  injected: Record<string, number>;
}

export const sandboxStats = async (sandboxUrl: string): Promise<SandboxStats> => (await fetch(`${sandboxUrl}/__sandbox/stats`)).json() as Promise<SandboxStats>;
export const sandboxReset = async (sandboxUrl: string) => {
  await fetch(`${sandboxUrl}/__sandbox/reset`, { method: 'POST' });
};
export const sandboxFaults = async (sandboxUrl: string, faults: Record<string, unknown>) => {
  const res = await fetch(`${sandboxUrl}/__sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`faults rejected: ${await res.text()}`);
};
