import type { FieldError, ProblemStatus } from './problems';

/**
 * An error whose message is safe to show the client. The error mapper turns it into a
 * problem response with this status, detail, extensions and headers.
 */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: ProblemStatus,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export class ValidationError extends HttpError {
  override name = 'ValidationError';
  constructor(readonly errors: FieldError[]) {
    super(400, describeFieldErrors(errors), { errors });
  }
}

export function badRequest(path: string, message: string): ValidationError {
  return new ValidationError([{ path, message }]);
}

export function notFound(detail: string): HttpError {
  return new HttpError(404, detail);
}

function describeFieldErrors(errors: FieldError[]): string {
  const [first] = errors;
  if (!first) return 'The request is invalid.';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  return `${first.path}: ${first.message}${more}`;
}
