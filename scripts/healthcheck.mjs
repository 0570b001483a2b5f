// The container's HEALTHCHECK: GET the health URL the running process recorded (scripts/run.ts); exit 0 when 2xx.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

try {
  const url = readFileSync(join(tmpdir(), 'switchboard.health'), 'utf8').trim();
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
