import { writeFileSync } from 'node:fs';
import { renderEnvExample } from './env-example-lib';

writeFileSync('.env.example', renderEnvExample());
process.stdout.write('wrote .env.example\n');
