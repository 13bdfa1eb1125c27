import { z } from 'zod';
import { TOKEN_ID_PATTERN } from './ids';
import { ALL_RIGHTS, isRight, normalizeRights, type Right } from './rights';

/**
 * Input rules of the admin API. Text fields are trimmed, counted in Unicode code points,
 * and may not contain control (Cc), format (Cf) or lone surrogate (Cs) characters. Format
 * characters include bidirectional overrides and zero-width characters, which can make a
 * name look like another. Emoji are accepted unless joined by a zero-width joiner.
 * A description may contain line breaks and tabs.
 */
export const NAME_MAX_LENGTH = 100;
export const DESCRIPTION_MAX_LENGTH = 1000;
export const OWNER_MAX_LENGTH = 200;
export const MAX_EXPIRY_YEARS = 5;
export const MAX_RIGHTS_ENTRIES = 64;
export const MAX_BULK_IDS = 100;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;

const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Cs}]/u;
const FORBIDDEN_IN_DESCRIPTION = /[^\P{Cc}\n\t]|[\p{Cf}\p{Cs}]/u;

function text(maxLength: number, options: { required: boolean; forbidden: RegExp }) {
  return z
    .string({ error: 'must be a string' })
    .transform((value) => value.trim())
    .superRefine((value, context) => {
      const length = [...value].length;
      if (options.required && length === 0) {
        context.addIssue({ code: 'custom', message: 'must not be empty or only whitespace' });
      }
      if (length > maxLength) {
        context.addIssue({ code: 'custom', message: `must be at most ${maxLength} characters, got ${length}` });
      }
      if (options.forbidden.test(value)) {
        context.addIssue({
          code: 'custom',
          message: 'must not contain control, format (such as bidirectional or zero-width) or surrogate characters',
        });
      }
    });
}

const rightSchema = z.string({ error: 'must be a string' }).refine(isRight, {
  error: (issue) => `unknown right ${JSON.stringify(issue.input)}; known rights: ${ALL_RIGHTS.join(', ')}`,
});

const expiresAtSchema = z
  .string({ error: 'must be a string' })
  .refine((value) => z.iso.datetime({ offset: true }).safeParse(value).success, {
    error: 'must be an ISO 8601 date-time with a time zone, such as 2027-01-31T12:00:00Z',
  })
  .transform((value, context) => {
    const instant = Date.parse(value);
    const now = Date.now();
    const latest = new Date(now);
    latest.setUTCFullYear(latest.getUTCFullYear() + MAX_EXPIRY_YEARS);

    if (Number.isNaN(instant)) {
      context.addIssue({ code: 'custom', message: 'is not a valid date' });
      return z.NEVER;
    }
    if (instant <= now) {
      context.addIssue({ code: 'custom', message: 'must be in the future' });
      return z.NEVER;
    }
    if (instant > latest.getTime()) {
      context.addIssue({ code: 'custom', message: `must be at most ${MAX_EXPIRY_YEARS} years ahead` });
      return z.NEVER;
    }
    return new Date(instant).toISOString();
  });

export const createTokenBody = z.strictObject(
  {
    name: text(NAME_MAX_LENGTH, { required: true, forbidden: FORBIDDEN_CHARACTERS }),
    description: text(DESCRIPTION_MAX_LENGTH, { required: false, forbidden: FORBIDDEN_IN_DESCRIPTION }).optional(),
    owner: text(OWNER_MAX_LENGTH, { required: false, forbidden: FORBIDDEN_CHARACTERS }).optional(),
    rights: z
      .array(rightSchema, { error: 'must be an array of rights' })
      .min(1, { error: 'must contain at least one right' })
      .max(MAX_RIGHTS_ENTRIES, { error: `must contain at most ${MAX_RIGHTS_ENTRIES} entries` })
      .transform((rights) => normalizeRights(rights as Right[])),
    expiresAt: expiresAtSchema.optional(),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);

export type CreateTokenBody = z.infer<typeof createTokenBody>;

const tokenIdSchema = z
  .string({ error: 'must be a string' })
  .regex(TOKEN_ID_PATTERN, { error: 'must be a token id: tok_ followed by 26 base32 characters' });

export const tokenIdParams = z.object({ id: tokenIdSchema });

export const bulkDeleteBody = z.strictObject(
  {
    ids: z
      .array(tokenIdSchema, { error: 'must be an array of token ids' })
      .min(1, { error: 'must contain at least one id' })
      .max(MAX_BULK_IDS, { error: `must contain at most ${MAX_BULK_IDS} ids` })
      .transform((ids) => [...new Set(ids)]),
  },
  { error: (issue) => (issue.code === 'invalid_type' ? 'must be a JSON object' : undefined) },
);

export const listTokensQuery = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` })
    .transform(Number)
    .refine((limit) => limit >= 1 && limit <= MAX_PAGE_SIZE, {
      error: `must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
    })
    .default(DEFAULT_PAGE_SIZE),
  cursor: z.string().optional(),
});
