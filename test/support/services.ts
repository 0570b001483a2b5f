/**
 * The real Redis the Redis tests talk to. Outside CI they run when REDIS_URL is set; in CI (CI=true) a
 * missing REDIS_URL fails the file instead of skipping it, so the Redis tests can never silently not run.
 */
export function redisUrlForTests(): string | undefined {
  const url = process.env.REDIS_URL;
  if (process.env.CI && !url) throw new Error('REDIS_URL must be set in CI: the Redis tests may not be skipped');
  return url;
}
