import { ResponseType, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { RETRY_AFTER_SECONDS } from '../functions/http/handler';
import { PROBLEM_CONTENT_TYPE, buildProblem, type ProblemStatus } from '../functions/http/problems';

/**
 * The problem body and status of every gateway response type, so that errors raised by
 * API Gateway itself read like those of the handlers (RFC 9457, see
 * functions/http/problems.ts).
 *
 * Every type API Gateway defines is listed with an explicit status. Setting a status on
 * DEFAULT_4XX or DEFAULT_5XX changes every type that is not customized, so no type may
 * depend on the fallback. The fallbacks then catch only errors without a type of their
 * own, such as the 502 of a Lambda function that crashed or timed out, which becomes
 * a 500. Types of API keys and IAM signatures cannot occur here because the API uses
 * neither, but they are listed for the same reason.
 */
export interface ProblemResponse {
  type: ResponseType;
  status: ProblemStatus;
  /** Text for the client. It must not contain `$` or `#`, which are template syntax. */
  detail: string;
  /** Sends `Retry-After`, because the client may repeat the same request shortly. */
  retryable?: boolean;
}

const INTERNAL_ERROR = 'The request failed because of an internal error.';
const NO_ROUTE = 'No route matches this method and path. Check the method and the path.';
const TOKEN_NOT_CHECKED = 'The token could not be checked. Retry the request shortly.';

export const PROBLEM_RESPONSES: readonly ProblemResponse[] = [
  { type: ResponseType.UNAUTHORIZED, status: 401, detail: 'The token is missing or not valid. Send a valid token as "Authorization: Bearer <secret>".' },
  { type: ResponseType.ACCESS_DENIED, status: 403, detail: 'The token does not hold the right this route needs. GET /whoami lists its rights; the README maps each route to its right.' },
  // Without IAM authorization this type means that no route matches, which is a 404 and not the default 403.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, detail: NO_ROUTE },
  { type: ResponseType.RESOURCE_NOT_FOUND, status: 404, detail: NO_ROUTE },
  { type: ResponseType.AUTHORIZER_FAILURE, status: 503, detail: TOKEN_NOT_CHECKED, retryable: true },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 503, detail: TOKEN_NOT_CHECKED, retryable: true },
  {
    type: ResponseType.THROTTLED,
    status: 429,
    detail: 'Too many requests. Retry after the number of seconds in Retry-After.',
    retryable: true,
  },
  { type: ResponseType.REQUEST_TOO_LARGE, status: 413, detail: "The request is larger than the gateway's limit of 10 MB." },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, detail: 'The gateway does not accept this content type.' },
  { type: ResponseType.BAD_REQUEST_BODY, status: 400, detail: 'The request body is not valid.' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, detail: 'The request parameters are not valid.' },
  { type: ResponseType.WAF_FILTERED, status: 403, detail: 'The request was blocked by the firewall.' },
  { type: ResponseType.INVALID_API_KEY, status: 403, detail: 'The API key is missing or not valid.' },
  { type: ResponseType.QUOTA_EXCEEDED, status: 429, detail: 'The usage plan quota is used up.' },
  { type: ResponseType.EXPIRED_TOKEN, status: 403, detail: 'The AWS authentication token has expired.' },
  { type: ResponseType.INVALID_SIGNATURE, status: 403, detail: 'The AWS request signature is not valid.' },
  // NOTE: API Gateway's own code for these two is 504, which the problem catalogue lacks.
  // A 503 with Retry-After still marks the failure as temporary.
  {
    type: ResponseType.INTEGRATION_FAILURE,
    status: 503,
    detail: 'The service could not be reached. Retry the request shortly.',
    retryable: true,
  },
  {
    type: ResponseType.INTEGRATION_TIMEOUT,
    status: 503,
    detail: 'The service did not respond in time. Retry the request shortly.',
    retryable: true,
  },
  { type: ResponseType.API_CONFIGURATION_ERROR, status: 500, detail: INTERNAL_ERROR },
  { type: ResponseType.DEFAULT_4XX, status: 400, detail: 'The request was rejected.' },
  // Says nothing internal: the execution log at ERROR level records the cause.
  { type: ResponseType.DEFAULT_5XX, status: 500, detail: INTERNAL_ERROR },
];

/** The VTL variable API Gateway replaces with the request id in a response template. */
export const REQUEST_ID_VARIABLE = '$context.requestId';

/** Renders the response template: a problem body whose `requestId` API Gateway fills in. */
export function problemTemplate(response: Pick<ProblemResponse, 'status' | 'detail'>): string {
  if (/[$#]/.test(response.detail)) {
    throw new Error(`Invalid problem detail "${response.detail}": $ and # are template syntax in API Gateway`);
  }
  return JSON.stringify(buildProblem(response.status, response.detail, REQUEST_ID_VARIABLE));
}

/**
 * Returns the `Access-Control-Allow-Origin` value of gateway responses as a response
 * parameter: a quoted literal, or the request's Origin header when several origins
 * are allowed, because the header can name only one. Echoing the Origin exposes
 * only these error bodies, which carry no data of the caller.
 */
export function allowOriginParameter(corsOrigins: readonly string[]): string {
  if (corsOrigins.includes('*')) return "'*'";
  if (corsOrigins.length === 1) return `'${corsOrigins[0]}'`;
  return 'method.request.header.Origin';
}

/** Adds one gateway response per entry of PROBLEM_RESPONSES to `api`. */
export function addProblemResponses(api: RestApi, corsOrigins: readonly string[]): void {
  const allowOrigin = allowOriginParameter(corsOrigins);

  for (const response of PROBLEM_RESPONSES) {
    const extraHeaders: Record<string, string> = {};
    if (response.retryable) extraHeaders['Retry-After'] = `'${RETRY_AFTER_SECONDS}'`;
    // HTTP requires a 401 to name the authentication scheme it expects.
    if (response.status === 401) extraHeaders['WWW-Authenticate'] = "'Bearer'";

    const corsHeaders: Record<string, string> = { 'Access-Control-Allow-Origin': allowOrigin };
    if (allowOrigin.startsWith('method.')) corsHeaders.Vary = "'Origin'";
    if (Object.keys(extraHeaders).length > 0) {
      corsHeaders['Access-Control-Expose-Headers'] = `'${Object.keys(extraHeaders).join(', ')}'`;
    }

    api.addGatewayResponse(`Problem${pascalCase(response.type.responseType)}`, {
      type: response.type,
      statusCode: String(response.status),
      responseHeaders: { 'Content-Type': `'${PROBLEM_CONTENT_TYPE}'`, ...corsHeaders, ...extraHeaders },
      templates: { 'application/json': problemTemplate(response) },
    });
  }
}

function pascalCase(constantName: string): string {
  return constantName
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
