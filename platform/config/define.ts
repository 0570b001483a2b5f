import { z } from 'zod';
import { maskCredentials } from '../mask-credentials';

/**
 * One environment variable: its validator and the sentence that documents it.
 * `.env.example` is checked against these descriptions, so the docs cannot drift from the code.
 */
export interface EnvVar<T extends z.ZodTypeAny = z.ZodTypeAny> {
  schema: T;
  doc: string;
  /** marks a credential: never logged, shown as <secret> in config dumps */
  secret?: boolean;
}

export type EnvSection = Record<string, EnvVar>;

export const envVar = <T extends z.ZodTypeAny>(schema: T, doc: string, secret = false): EnvVar<T> => ({ schema, doc, secret });

export const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);
export const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
export const nonNegativeInt = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
export const url = (fallback?: string) => (fallback === undefined ? z.string().url().optional() : z.string().url().default(fallback));
export const csv = (fallback = '') =>
  z
    .string()
    .default(fallback)
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));
export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A boolean that may be left unset, so a mode (development/production) can decide its default. */
export const optionalBool = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? undefined : v === 'true' || v === '1' || v === 'yes'));

type Parsed<S extends EnvSection> = { [K in keyof S]: z.output<S[K]['schema']> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates every variable of a section and reports all bad ones at once, each with what was expected. */
export function parseSection<S extends EnvSection>(section: S, env: Record<string, string | undefined>): Parsed<S> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, v] of Object.entries(section)) {
    const raw = env[name];
    const result = v.schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) out[name] = result.data;
    else {
      // a connection string's password is masked even when the variable is not marked secret
      const shown = v.secret ? '<secret>' : maskCredentials(JSON.stringify(raw) ?? 'undefined');
      problems.push(`${name}=${shown}: ${result.error.issues.map((i) => i.message).join('; ')} (${v.doc})`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return out as Parsed<S>;
}
