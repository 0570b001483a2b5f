/** Credentials from an `Authorization` header, for the routes where a vendor calls us (and for the sandboxes). */
export const bearerOf = (authorization: string | string[] | undefined): string | undefined => {
  const h = Array.isArray(authorization) ? authorization[0] : authorization;
  const m = h ? /^Bearer\s+(.+)$/i.exec(h) : null;
  return m?.[1]?.trim();
};

export const basicOf = (authorization: string | string[] | undefined): { user: string; pass: string } | undefined => {
  const h = Array.isArray(authorization) ? authorization[0] : authorization;
  const m = h ? /^Basic\s+(.+)$/i.exec(h) : null;
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? undefined : { user: decoded.slice(0, i), pass: decoded.slice(i + 1) };
};
