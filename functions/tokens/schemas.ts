import * as z from 'zod/mini';
import { expecting, objectExpected } from './schema-messages';
import { ALL_RIGHTS, isRight, normalizeRights, type Right } from './rights';

/**
 * Input rules of the admin API. Text fields are trimmed and counted in Unicode code
 * points. They may not contain control (Cc), format (Cf), lone surrogate (Cs), line or
 * paragraph separator (Zl, Zp) characters, nor the blank-looking Hangul fillers. Format
 * characters include bidirectional overrides and zero-width characters: all of these can
 * make a name look like another or hide part of it. Emoji are accepted unless joined by a
 * zero-width joiner. A description may contain line breaks and tabs, and CRLF or CR line
 * breaks are stored as LF.
 *
 * The schemas use zod/mini, whose functions tree-shake, because the classic zod API pulls
 * the whole library into every bundle. zod/mini has no default messages, so every
 * check states its own.
 */
export const NAME_MAX_LENGTH = 100;
export const DESCRIPTION_MAX_LENGTH = 1000;
export const OWNER_MAX_LENGTH = 200;
export const MAX_EXPIRY_YEARS = 5;
export const MAX_RIGHTS_ENTRIES = 64;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;
const FORBIDDEN_IN_DESCRIPTION = /[^\P{Cc}\n\t]|[\p{Cf}\p{Cs}\p{Zl}\p{Zp}\u115F\u1160\u3164\uFFA0]/u;

function text(maxLength: number, options: { required: boolean; forbidden: RegExp; multiline?: boolean }) {
  return z.pipe(
    z.string(expecting('a string')),
    z.transform((raw: string, context) => {
      const trimmed = raw.trim();
      const value = options.multiline ? trimmed.replace(/\r\n?/g, '\n') : trimmed;
      const length = [...value].length;
      if (options.required && length === 0) {
        context.issues.push({ code: 'custom', message: 'must not be empty or only whitespace', input: raw });
      }
      if (length > maxLength) {
        context.issues.push({ code: 'custom', message: `must be at most ${maxLength} characters, got ${length}`, input: raw });
      }
      if (options.forbidden.test(value)) {
        context.issues.push({
          code: 'custom',
          message:
            'must not contain control, format (such as bidirectional or zero-width), separator or surrogate characters',
          input: raw,
        });
      }
      return value;
    }),
  );
}

const rightSchema = z.string(expecting('a string')).check(
  z.refine(isRight, {
    error: (issue) => `unknown right ${JSON.stringify(issue.input)}; known rights: ${ALL_RIGHTS.join(', ')}`,
  }),
);

const isoDateTime = z.iso.datetime({ offset: true });

const expiresAtSchema = z.pipe(
  z.string(expecting('a string')).check(
    z.refine((value) => isoDateTime.safeParse(value).success, {
      error: 'must be an ISO 8601 date-time with a time zone, such as 2027-01-31T12:00:00Z',
    }),
  ),
  z.transform((value: string, context) => {
    const instant = Date.parse(value);
    const now = Date.now();
    const latest = new Date(now);
    latest.setUTCFullYear(latest.getUTCFullYear() + MAX_EXPIRY_YEARS);

    let problem: string | undefined;
    if (Number.isNaN(instant)) problem = 'is not a valid date';
    else if (instant <= now) problem = 'must be in the future';
    else if (instant > latest.getTime()) problem = `must be at most ${MAX_EXPIRY_YEARS} years ahead`;

    if (problem) {
      context.issues.push({ code: 'custom', message: problem, input: value });
      return z.NEVER;
    }
    return new Date(instant).toISOString();
  }),
);

export const createTokenBody = z.strictObject(
  {
    name: text(NAME_MAX_LENGTH, { required: true, forbidden: FORBIDDEN_CHARACTERS }),
    description: z.optional(
      text(DESCRIPTION_MAX_LENGTH, { required: false, forbidden: FORBIDDEN_IN_DESCRIPTION, multiline: true }),
    ),
    owner: z.optional(text(OWNER_MAX_LENGTH, { required: false, forbidden: FORBIDDEN_CHARACTERS })),
    rights: z.pipe(
      z.array(rightSchema, expecting('an array of rights')).check(
        z.minLength(1, { error: 'must contain at least one right' }),
        z.maxLength(MAX_RIGHTS_ENTRIES, { error: `must contain at most ${MAX_RIGHTS_ENTRIES} entries` }),
      ),
      z.transform((rights: string[]) => normalizeRights(rights as Right[])),
    ),
    expiresAt: z.optional(expiresAtSchema),
  },
  objectExpected,
);

export type CreateTokenBody = z.infer<typeof createTokenBody>;

const PAGE_SIZE_RULE = `must be a whole number from 1 to ${MAX_PAGE_SIZE}`;

export const listTokensQuery = z.strictObject({
  limit: z.pipe(
    z.optional(z.string()),
    z.transform((value: string | undefined, context) => {
      if (value === undefined) return DEFAULT_PAGE_SIZE;
      const limit = /^\d{1,3}$/.test(value) ? Number(value) : NaN;
      if (limit >= 1 && limit <= MAX_PAGE_SIZE) return limit;
      context.issues.push({ code: 'custom', message: PAGE_SIZE_RULE, input: value });
      return z.NEVER;
    }),
  ),
  cursor: z.optional(z.string()),
});
