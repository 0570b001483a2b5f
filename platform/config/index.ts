import { coreEnv } from './core';
import { ConfigError, parseSection, type EnvSection } from './define';
import { customerConnectEnv } from './customerconnect';
import { carsysEnv } from './carsys';
import { customerEnv } from './customer';
import { workshopLinksEnv } from './workshop-links';
import { mmpEnv } from './mmp';
import { vitecEnv } from './vitec';
import { authEnv } from './auth';
import { ozmapEnv } from './ozmap';
import { portsEnv } from './ports';
import { sandboxEnv } from './sandbox';
import { limitsEnv } from './limits';
import { storeEnv } from './store';
import { telemetryEnv } from './telemetry';
import { vendorCacheEnv } from './vendor-cache';

/**
 * Every section of configuration. A domain adds its own section file and one line here.
 * This module is the only place besides `main.ts` entry points that sees the environment,
 * and it only sees what `loadConfig` is handed.
 */
export const envSections = {
  core: coreEnv,
  ports: portsEnv,
  mmp: mmpEnv,
  vitec: vitecEnv,
  auth: authEnv,
  sandbox: sandboxEnv,
  ozmap: ozmapEnv,
  carsys: carsysEnv,
  customer: customerEnv,
  workshopLinks: workshopLinksEnv,
  customerconnect: customerConnectEnv,
  limits: limitsEnv,
  store: storeEnv,
  telemetry: telemetryEnv,
  vendorCache: vendorCacheEnv,
} satisfies Record<string, EnvSection>;

type Sections = typeof envSections;
type Merged = { [S in keyof Sections]: ReturnType<typeof parseSection<Sections[S]>> }[keyof Sections];
type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
export type Config = UnionToIntersection<Merged>;

/** Parses every section and reports every bad variable at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  let merged: Record<string, unknown> = {};
  for (const section of Object.values(envSections)) {
    try {
      merged = { ...merged, ...parseSection(section as EnvSection, env) };
    } catch (e) {
      if (e instanceof ConfigError) problems.push(...e.problems);
      else throw e;
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return merged as Config;
}

/** Names of secret variables, so logs and dumps can hide their values. */
export const secretVariables = new Set(
  Object.values(envSections).flatMap((s) =>
    Object.entries(s as EnvSection)
      .filter(([, v]) => v.secret)
      .map(([k]) => k),
  ),
);

export const localUrl = (port: number, path = '') => `http://127.0.0.1:${port}${path}`;
export { ConfigError };
