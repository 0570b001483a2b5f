/**
 * Masks the password in anything that looks like a URL with credentials (`postgres://user:pw@host`,
 * `redis://:pw@host`, or a bare `scheme://secret@host`), even when the URL is malformed — a connection
 * string that fails to parse is exactly the one printed in an error. The password may itself hold `@`,
 * so the credentials run to the last `@` of the URL.
 */
const WITH_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"'`]*):([^\s"'`]*)@/gi;
const BARE_SECRET = /([a-z][a-z0-9+.-]*:\/\/)([^\s:/@"'`]+)@/gi;

export function maskCredentials(text: string): string {
  if (!text.includes('://')) return text;
  return text.replace(WITH_PASSWORD, '$1$2:***@').replace(BARE_SECRET, (m, scheme: string, user: string) => (user === '***' || m.includes(':***@') ? m : `${scheme}***@`));
}
