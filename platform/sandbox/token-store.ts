import { randomBytes } from 'node:crypto';

export interface IssuedToken<S> {
  subject: S;
  expiresAt: number;
}

/**
 * Bearer tokens a sandbox has issued. Opaque random strings, so a client cannot forge one; `expireAll`
 * lets tests and benchmarks make every cached token go stale at once.
 */
export function createSandboxTokenStore<S>(lifetimeS: number, now: () => number = Date.now) {
  const tokens = new Map<string, IssuedToken<S>>();
  return {
    lifetimeS,
    issue(subject: S): string {
      const token = randomBytes(24).toString('base64url');
      tokens.set(token, { subject, expiresAt: now() + lifetimeS * 1000 });
      return token;
    },
    verify(token: string | undefined): S | undefined {
      if (!token) return undefined;
      const t = tokens.get(token);
      if (!t) return undefined;
      if (t.expiresAt <= now()) {
        tokens.delete(token);
        return undefined;
      }
      return t.subject;
    },
    expireAll() {
      tokens.clear();
    },
    get size() {
      return tokens.size;
    },
  };
}

export type SandboxTokenStore<S> = ReturnType<typeof createSandboxTokenStore<S>>;

export { basicOf, bearerOf } from '../http-auth';
