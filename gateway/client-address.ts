/**
 * The address a request came from, for per-address limits. With `trustedHops` reverse proxies in front
 * (each appending the address it saw to X-Forwarded-For), the client is the entry that many places from the
 * end; entries before it were written by the client itself and are never trusted. Without proxies, or when
 * the header is shorter than the configured hops, the socket's own address.
 */
export function clientAddress(headers: { get(name: string): string | null }, socketAddress: string | undefined, trustedHops: number): string {
  if (trustedHops > 0) {
    const chain = (headers.get('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (chain.length >= trustedHops) return chain[chain.length - trustedHops]!;
  }
  return socketAddress ?? 'unknown';
}
