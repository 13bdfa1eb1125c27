/**
 * Error responses as RFC 9457 problem details (`application/problem+json`).
 *
 * Every error of the API, whether from a handler or from the gateway, has this body:
 * `type`, `title`, `status`, `detail` and `requestId`. Validation errors add `errors`.
 */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const PROBLEM_TYPES = {
  400: 'invalid-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  500: 'internal-error',
  503: 'service-unavailable',
} as const;

export type ProblemStatus = keyof typeof PROBLEM_TYPES;

export const PROBLEM_TITLES: Record<ProblemStatus, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  413: 'Payload too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  503: 'Service unavailable',
};

export interface FieldError {
  /** Location of the problem, such as `body.name`, `body.rights[2]`, `query.limit`, `path.id` or `header.content-type`. */
  path: string;
  message: string;
}

export interface Problem {
  type: string;
  title: string;
  status: ProblemStatus;
  detail: string;
  requestId: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemTypeUri(status: ProblemStatus): string {
  return `urn:rentmagic:problem:${PROBLEM_TYPES[status]}`;
}

export function buildProblem(
  status: ProblemStatus,
  detail: string,
  requestId: string,
  extensions: Record<string, unknown> = {},
): Problem {
  return { type: problemTypeUri(status), title: PROBLEM_TITLES[status], status, detail, requestId, ...extensions };
}
