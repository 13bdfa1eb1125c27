// Error options shared by the request schemas. zod/mini has no default messages, so each
// schema states its own in these words.

/** Error option for a type check: a missing value is "required", anything else names the expected type. */
export function expecting(expected: string) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${expected}`) };
}

/** Error option for a body that must be a JSON object; other issues keep their own message. */
export const objectExpected = {
  error: (issue: { code?: string; input?: unknown }) =>
    issue.code === 'invalid_type' ? 'must be a JSON object' : undefined,
};
