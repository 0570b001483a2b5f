import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// `graphql` 16 ships two builds side by side: `index.mjs` (package.json "module") and `index.js` ("main", no
// "exports" map). Node resolves every import of it — ours and Apollo's CommonJS `require` — to `index.js`, so
// a process holds one instance. Vite's resolver prefers "module", so without this alias our code would get
// the ESM build while Apollo keeps the CommonJS one: two realms, a schema from @apollo/subgraph rejected by
// our `graphql()`, and `instanceof GraphQLError` false across them. Resolve it the way Node does.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

// Test tiers by file suffix (as graphql-hive/gateway does): *.test.ts unit and in-process servers,
// *.e2e.ts separate processes over the wire. Both run in `npm test`.
export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['{platform,vendors,subgraphs,gateway,scripts,test,bench}/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.ts'], pool: 'forks', poolOptions: { forks: { singleFork: true } } } },
    ],
  },
});
