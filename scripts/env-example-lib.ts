import type { z } from 'zod';
import { envSections } from '../platform/config';
import type { EnvSection } from '../platform/config/define';

const headings: Record<string, string> = {
  core: 'Core: logging, Redis, database, gateway',
  ports: 'Ports and subgraph URLs (defaults are the ones `npm start` uses)',
  sandbox: 'Vendor sandboxes: injected faults at start (POST /__sandbox/faults changes them at run time)',
  mmp: 'MMP Vision 360 (Vehicle, Customer). Defaults are the MMP sandbox test values',
  customerconnect: 'CustomerConnect platform (Capacity)',
  carsys: 'Carsys pushes (Customer)',
  customer: 'Customer subgraph',
  vitec: 'Vitec Express Connect (Order)',
  auth: 'Callers: partner API keys, frontend JWTs, gateway-to-subgraph identity',
  ozmap: 'OZmap via Conecte.ai (Coverage)',
  telemetry: 'OpenTelemetry traces (standard OTEL_* variables; off unless an exporter is set)',
};

/**
 * The default a variable takes when unset, written as the text the parser accepts (the *input* of its
 * schema), or '' when it has none. Parsing `undefined` would give the transformed output instead
 * (`VITEC_CUSTOMERS` became `[object Object],…`, which the parser then refused and every process exited 2).
 */
export function defaultOf(schema: z.ZodTypeAny): string {
  let s: z.ZodTypeAny = schema;
  for (;;) {
    const def = s._def as { typeName?: string; schema?: z.ZodTypeAny; innerType?: z.ZodTypeAny; in?: z.ZodTypeAny; defaultValue?: () => unknown };
    if (def.typeName === 'ZodDefault') {
      const value = def.defaultValue!();
      if (value === undefined) return '';
      if (typeof value === 'object') throw new Error(`a default must be given as the text of the variable, not ${JSON.stringify(value)}`);
      return String(value);
    }
    const inner = def.schema ?? def.innerType ?? def.in;
    if (!inner) return '';
    s = inner;
  }
}

/**
 * `.env.example`, generated from the config sections so that it documents exactly the variables the
 * code reads. Secrets are listed without their (sandbox) default values.
 */
export function renderEnvExample(): string {
  const out = [
    '# Switchboard configuration. Every variable is optional: unset, the embedded defaults and the local vendor',
    '# sandboxes are used. Generated from platform/config by `npm run env:example`; a test fails when it is stale.',
    '',
  ];
  for (const [name, section] of Object.entries(envSections)) {
    out.push(`# --- ${headings[name] ?? name.toUpperCase()} ---`);
    for (const [key, v] of Object.entries(section as EnvSection)) {
      out.push(`# ${v.doc}`);
      out.push(`${key}=${v.secret ? '' : defaultOf(v.schema)}`);
    }
    out.push('');
  }
  return out.join('\n');
}
