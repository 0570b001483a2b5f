import { DateResolver, JSONResolver, NonNegativeIntResolver } from 'graphql-scalars';
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * The scalars every subgraph declares, with one implementation: dates as `yyyy-mm-dd`, non-negative
 * counts, JSON, date-times and decimals as strings. Money never travels as a float.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** A vendor's JSON number as an exact decimal string (shortest round-trip form, never exponent notation). */
export function toDecimal(n: number | string | null | undefined): string | null {
  if (n === null || n === undefined || n === '') return null;
  if (typeof n === 'string') {
    const s = n.trim().replace(',', '.');
    if (!DECIMAL.test(s)) throw new Error(`not a decimal: ${n}`);
    return s;
  }
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  const s = String(n);
  return s.includes('e') ? n.toFixed(10).replace(/\.?0+$/, '') : s;
}

export const DecimalScalar = new GraphQLScalarType({
  name: 'Decimal',
  description: 'An exact decimal number serialised as a string, e.g. "297.79".',
  serialize: (v) => toDecimal(v as number | string),
  parseValue(v) {
    if (typeof v !== 'string' || !DECIMAL.test(v)) throw new GraphQLError('Decimal must be a string like "12.50"', { extensions: { code: 'BAD_USER_INPUT' } });
    return v;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !DECIMAL.test(ast.value)) throw new GraphQLError('Decimal must be a string like "12.50"', { extensions: { code: 'BAD_USER_INPUT' } });
    return ast.value;
  },
});

const LOCAL = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(:\d{2}(\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;

/** ISO 8601 date-times; a vendor's `yyyy-mm-dd hh:mm:ss` (no zone) is kept as local time with a `T`. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO 8601 date-time. Without a zone when the vendor gives none (local time of the vendor).',
  serialize(v) {
    if (v instanceof Date) return v.toISOString();
    const m = typeof v === 'string' ? LOCAL.exec(v) : null;
    if (!m) throw new Error(`not a date-time: ${String(v)}`);
    return `${m[1]}T${m[2]}${m[5] ?? ''}`;
  },
  parseValue(v) {
    if (typeof v !== 'string' || !LOCAL.test(v)) throw new GraphQLError('DateTime must be ISO 8601, e.g. 2026-11-23T10:00:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
    return v;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING || !LOCAL.test(ast.value)) throw new GraphQLError('DateTime must be ISO 8601, e.g. 2026-11-23T10:00:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
    return ast.value;
  },
});

function parseDate(v: unknown): string {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new GraphQLError('Date must be yyyy-mm-dd', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return v;
}

/** `yyyy-mm-dd` in and out; graphql-scalars' Date would turn strings into JS Dates and shift them by time zone. */
export const DateScalar: GraphQLScalarType = new GraphQLScalarType({
  ...DateResolver.toConfig(),
  serialize(v) {
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
    if (v instanceof Date) return v.toISOString().slice(0, 10);
    throw new Error(`not a date: ${String(v)}`);
  },
  parseValue: parseDate,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('Date must be a string yyyy-mm-dd', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDate(ast.value);
  },
});

export const scalarResolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Decimal: DecimalScalar,
  NonNegativeInt: NonNegativeIntResolver,
  JSON: JSONResolver,
};
