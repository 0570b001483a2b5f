import { z } from 'zod';
import { normalisePlate } from '../../platform/plates';
import { carsysFuels, type CarsysWorkOrderPush } from './types';

/**
 * The push body's schema. Every problem is collected (zod does not stop at the first), so a refused push
 * names all its bad fields at once and the dealer's integrator can fix them in one go.
 */
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `at most ${max} characters`);
const optionalText = (max: number) => z.string().trim().max(max, `at most ${max} characters`).nullable().default(null);
const isoDateTime = z.string().datetime({ offset: true, message: 'expected an ISO 8601 date-time with offset, e.g. 2024-05-03T08:30:00+02:00' });
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date yyyy-mm-dd')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), 'not a calendar date');
const email = z.string().trim().email('expected an e-mail address').max(254).nullable().default(null);
const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, 'expected a phone number of digits, spaces, -, ( ) and an optional leading +')
  .nullable()
  .default(null);
const money = z.string().regex(/^-?\d{1,9}(\.\d{1,2})?$/, 'expected a decimal string in euros with at most 2 decimals, e.g. "49.95"');
const plate = z.string().superRefine((p, ctx) => {
  try {
    normalisePlate(p);
  } catch (err) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
  }
});
const personId = z.string().trim().min(1).max(64).nullable().default(null);

const personSchema = z.object({
  id: text(64),
  companyName: optionalText(200),
  title: optionalText(40),
  firstName: optionalText(100),
  lastName: optionalText(100),
  street: optionalText(200),
  houseNumber: optionalText(20),
  postcode: optionalText(20),
  place: optionalText(100),
  privateEmail: email,
  privatePhone: phone,
  privateMobile: phone,
  businessEmail: email,
  businessPhone: phone,
  businessMobile: phone,
});

export const workOrderPushSchema = z
  .object({
    dmsNumber: text(64),
    workOrderNumber: text(64),
    modifiedAt: isoDateTime,
    appointment: z.object({
      appointmentDate: isoDateTime,
      creationDate: isoDateTime,
      waitingCustomer: z.boolean({ invalid_type_error: 'expected true or false', required_error: 'required' }),
    }),
    interventions: z
      .array(
        z.object({
          title: text(200),
          description: optionalText(4000),
          price: money,
        }),
      )
      .max(200, 'at most 200 interventions'),
    vehicle: z.object({
      make: text(60),
      model: text(80),
      plate,
      vin: z
        .string()
        .trim()
        .regex(/^[A-HJ-NPR-Z0-9]{17}$/i, 'expected a 17-character VIN (no I, O or Q)')
        .nullable()
        .default(null),
      fuel: z.enum(carsysFuels, { errorMap: () => ({ message: `expected one of ${carsysFuels.join(', ')}` }) }).nullable().default(null),
      firstRegistrationDate: isoDate.nullable().default(null),
      apkDate: isoDate.nullable().default(null),
      driverId: personId,
      ownerId: personId,
      contractorId: personId,
    }),
    persons: z.array(personSchema).max(20, 'at most 20 persons'),
  });

/**
 * Cross-field rules, checked on the raw body so they are reported together with the schema's problems
 * (zod skips refinements of an object whose fields already failed).
 */
function referenceProblems(body: unknown): { field: string; problem: string }[] {
  const out: { field: string; problem: string }[] = [];
  const b = body as { persons?: unknown; vehicle?: Record<string, unknown> } | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.persons)) return out;
  const ids = new Set<string>();
  b.persons.forEach((p, i) => {
    const id = (p as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    if (ids.has(id)) out.push({ field: `persons.${i}.id`, problem: `duplicate person id ${JSON.stringify(id)}` });
    ids.add(id);
  });
  const v = b.vehicle;
  if (!v || typeof v !== 'object') return out;
  for (const role of ['driverId', 'ownerId', 'contractorId'] as const) {
    const id = v[role];
    if (typeof id === 'string' && !ids.has(id)) out.push({ field: `vehicle.${role}`, problem: `no person with id ${JSON.stringify(id)} in persons` });
  }
  return out;
}

export interface FieldProblem {
  field: string;
  problem: string;
}

export type ValidationResult = { ok: true; push: CarsysWorkOrderPush } | { ok: false; fields: FieldProblem[] };

/** Validates a parsed push body; on failure lists every bad field by dotted path. */
export function validateWorkOrderPush(body: unknown): ValidationResult {
  const r = workOrderPushSchema.safeParse(body);
  const refs = referenceProblems(body);
  if (r.success && !refs.length) return { ok: true, push: r.data as CarsysWorkOrderPush };
  const seen = new Set<string>();
  const fields: FieldProblem[] = [];
  const issues = [
    ...(r.success ? [] : r.error.issues).map((issue) => ({
      field: issue.path.length ? issue.path.join('.') : '(body)',
      problem: issue.code === 'invalid_type' && issue.received === 'undefined' ? 'required' : issue.message,
    })),
    ...refs,
  ];
  for (const { field, problem } of issues) {
    const key = `${field}\u0000${problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    fields.push({ field, problem });
  }
  return { ok: false, fields };
}
