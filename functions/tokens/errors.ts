/** Domain errors of the token store. The HTTP layer maps them to responses. */

/** The store failed or timed out; nothing was changed that the caller can observe. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(operation: string, options?: { cause?: unknown }) {
    super(`The token store failed during ${operation}`, options);
  }
}

/** A freshly generated id or secret hash already exists; the create can be retried. */
export class TokenConflictError extends Error {
  override name = 'TokenConflictError';
  constructor(tokenId: string) {
    super(`A token with id ${tokenId} or the same secret hash already exists`);
  }
}
