import { PROBLEM_CONTENT_TYPE, buildProblem, type ProblemStatus } from '../functions/http/problems';
import { RETRY_AFTER_SECONDS } from '../functions/http/handler';
import { PROBLEM_RESPONSES, allowOriginParameter, type ProblemResponse } from '../infra/problem-responses';

/**
 * The gateway responses of the deployed API, taken from the table the CDK stack deploys
 * (infra/problem-responses.ts). Status and problem body therefore match API Gateway's.
 * The headers repeat what the stack maps onto each response: Content-Type, Retry-After on
 * retryable types, `WWW-Authenticate: Bearer` on 401, and the CORS headers.
 */
export type GatewayResponseType =
  | 'BAD_REQUEST_PARAMETERS'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'REQUEST_TOO_LARGE'
  | 'THROTTLED'
  | 'AUTHORIZER_FAILURE'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'DEFAULT_5XX';

/** API Gateway's payload limit for REST APIs, 10 MB. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayResponse {
  type: GatewayResponseType;
  status: ProblemStatus;
  headers: Record<string, string>;
  body: string;
}

const RESPONSES_BY_TYPE = new Map<string, ProblemResponse>(
  PROBLEM_RESPONSES.map((response) => [response.type.responseType, response]),
);

/**
 * Builds a gateway response for a request. `origin` is the request's Origin header, which
 * the stack echoes in Access-Control-Allow-Origin when it allows several origins. With no
 * allowed origins (a local-only setting) the response has no CORS headers.
 */
export function buildGatewayResponse(
  type: GatewayResponseType,
  requestId: string,
  origin: string | undefined,
  corsOrigins: readonly string[],
): GatewayResponse {
  const spec = RESPONSES_BY_TYPE.get(type);
  if (!spec) throw new Error(`infra/problem-responses.ts defines no gateway response ${type}`);

  const extraHeaders: Record<string, string> = {};
  if (spec.retryable) extraHeaders['Retry-After'] = String(RETRY_AFTER_SECONDS);
  if (spec.status === 401) extraHeaders['WWW-Authenticate'] = 'Bearer';

  return {
    type,
    status: spec.status,
    headers: {
      'Content-Type': PROBLEM_CONTENT_TYPE,
      ...gatewayCorsHeaders(origin, corsOrigins, Object.keys(extraHeaders)),
      ...extraHeaders,
    },
    body: JSON.stringify(buildProblem(spec.status, spec.detail, requestId)),
  };
}

/** Returns the CORS headers that the stack's response parameters put on every gateway response. */
function gatewayCorsHeaders(
  origin: string | undefined,
  corsOrigins: readonly string[],
  exposedHeaders: string[],
): Record<string, string> {
  if (corsOrigins.length === 0) return {};

  const headers: Record<string, string> = {};
  const parameter = allowOriginParameter(corsOrigins);
  if (parameter.startsWith("'")) {
    headers['Access-Control-Allow-Origin'] = parameter.slice(1, -1);
  } else {
    // The stack maps the request's Origin header here. Without one there is nothing to echo, so the header is left out.
    if (origin) headers['Access-Control-Allow-Origin'] = origin;
    headers.Vary = 'Origin';
  }
  if (exposedHeaders.length > 0) headers['Access-Control-Expose-Headers'] = exposedHeaders.join(', ');
  return headers;
}
