import { defineConfig } from 'vitest/config';

// Test tiers by file suffix (as graphql-hive/gateway does): *.test.ts unit and in-process servers,
// *.e2e.ts separate processes over the wire. Both run in `npm test`.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['{platform,vendors,subgraphs,gateway,scripts,test,bench}/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.e2e.ts'], pool: 'forks', poolOptions: { forks: { singleFork: true } } } },
    ],
  },
});
