import * as z from 'zod/mini';
import { TOKEN_ID_PATTERN } from './ids';
import { expecting, objectExpected } from './schema-messages';

/**
 * Schemas for token ids in paths and in bulk delete bodies. They sit apart from the
 * create and list schemas so the delete functions' bundles do not carry those.
 */
export const MAX_BULK_IDS = 100;

const tokenIdSchema = z.string(expecting('a string')).check(
  z.regex(TOKEN_ID_PATTERN, { error: 'must be a token id: tok_ followed by 26 base32 characters' }),
);

export const tokenIdParams = z.object({ id: tokenIdSchema });

export const bulkDeleteBody = z.strictObject(
  {
    ids: z.pipe(
      z.array(tokenIdSchema, expecting('an array of token ids')).check(
        z.minLength(1, { error: 'must contain at least one id' }),
        z.maxLength(MAX_BULK_IDS, { error: `must contain at most ${MAX_BULK_IDS} ids` }),
      ),
      z.transform((ids: string[]) => [...new Set(ids)]),
    ),
  },
  objectExpected,
);
