import type http from 'node:http';
import type { APIGatewayEventIdentity, APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

/**
 * Builds the events API Gateway sends to Lambda for a REST API: the REQUEST authorizer
 * event and the Lambda proxy integration event (payload format 1.0).
 *
 * Headers keep the case the client sent. `headers` contains the last value of a repeated
 * header and `multiValueHeaders` every value, so a request with two Authorization headers
 * reaches the authorizer with both. Query parameters are decoded as form data, `+` as a
 * space, and sorted the same way into single and multi-value maps.
 */
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The request line and headers, read before the body. */
export interface RequestHead {
  requestId: string;
  method: string;
  /** The path as sent, still percent-encoded, without the query string. */
  rawPath: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
  sourceIp: string;
  receivedAt: number;
}

/** The stage a local gateway serves, as it appears in ARNs and request contexts. */
export interface StageInfo {
  restApiId: string;
  stageName: string;
}

/** The route a request matched. */
export interface MatchedRoute {
  resourcePath: string;
  pathParameters: Record<string, string>;
}

export interface EncodedBody {
  body: string | null;
  isBase64Encoded: boolean;
}

export function readRequestHead(req: http.IncomingMessage, requestId: string): RequestHead {
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : target.slice(queryStart + 1);

  const { headers, multiValueHeaders } = readHeaders(req.rawHeaders);
  const { single, multi } = readQuery(rawQuery);

  return {
    requestId,
    method: req.method ?? 'GET',
    rawPath,
    headers,
    multiValueHeaders,
    queryStringParameters: single,
    multiValueQueryStringParameters: multi,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    receivedAt: Date.now(),
  };
}

/** Returns every value of a header, matched without case, in the order sent. */
export function headerValues(head: RequestHead, name: string): string[] {
  const lowerCaseName = name.toLowerCase();
  for (const [key, values] of Object.entries(head.multiValueHeaders)) {
    if (key.toLowerCase() === lowerCaseName) return values;
  }
  return [];
}

/** Returns `arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD><path>`, with the path as sent. */
export function methodArnOf(stage: StageInfo, method: string, rawPath: string): string {
  return `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${stage.restApiId}/${stage.stageName}/${method}${rawPath}`;
}

export function buildAuthorizerEvent(
  head: RequestHead,
  route: MatchedRoute,
  stage: StageInfo,
): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: methodArnOf(stage, head.method, head.rawPath),
    resource: route.resourcePath,
    path: head.rawPath,
    httpMethod: head.method,
    headers: { ...head.headers },
    multiValueHeaders: copyMultiValues(head.multiValueHeaders),
    pathParameters: nullIfEmpty(route.pathParameters),
    queryStringParameters: head.queryStringParameters && { ...head.queryStringParameters },
    multiValueQueryStringParameters: head.multiValueQueryStringParameters && copyMultiValues(head.multiValueQueryStringParameters),
    stageVariables: null,
    requestContext: { ...requestContextOf(head, route, stage), authorizer: undefined },
  };
}

export function buildProxyEvent(
  head: RequestHead,
  route: MatchedRoute,
  stage: StageInfo,
  body: EncodedBody,
  authorizer: Record<string, unknown>,
): APIGatewayProxyEvent {
  return {
    resource: route.resourcePath,
    path: head.rawPath,
    httpMethod: head.method,
    headers: { ...head.headers },
    multiValueHeaders: copyMultiValues(head.multiValueHeaders),
    queryStringParameters: head.queryStringParameters && { ...head.queryStringParameters },
    multiValueQueryStringParameters: head.multiValueQueryStringParameters && copyMultiValues(head.multiValueQueryStringParameters),
    pathParameters: nullIfEmpty(route.pathParameters),
    stageVariables: null,
    body: body.body,
    isBase64Encoded: body.isBase64Encoded,
    requestContext: { ...requestContextOf(head, route, stage), authorizer },
  };
}

/**
 * Passes a body as text when its media type is textual (or not given) and its bytes are
 * valid UTF-8, otherwise base64-encoded with `isBase64Encoded`, as API Gateway does for
 * binary media types. An empty body is null. The text keeps every byte, a leading byte
 * order mark included, because API Gateway hands the body over unchanged.
 */
export function encodeBody(bytes: Buffer, contentType: string | undefined): EncodedBody {
  if (bytes.length === 0) return { body: null, isBase64Encoded: false };

  if (isTextualMediaType(contentType)) {
    try {
      // TextDecoder drops a leading byte order mark unless ignoreBOM is set.
      const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
      return { body: text, isBase64Encoded: false };
    } catch {
      // Not UTF-8: sent as binary below.
    }
  }
  return { body: bytes.toString('base64'), isBase64Encoded: true };
}

function isTextualMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;

  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (mediaType.startsWith('text/')) return true;
  if (mediaType.endsWith('+json') || mediaType.endsWith('+xml')) return true;
  return ['application/json', 'application/xml', 'application/x-www-form-urlencoded', 'application/javascript'].includes(
    mediaType,
  );
}

function requestContextOf(head: RequestHead, route: MatchedRoute, stage: StageInfo) {
  return {
    accountId: LOCAL_ACCOUNT_ID,
    apiId: stage.restApiId,
    protocol: 'HTTP/1.1',
    httpMethod: head.method,
    identity: identityOf(head),
    // The path the client called. API Gateway's default endpoint serves the API under
    // /<stage>, so there this path starts with the stage; the local gateway serves at the root.
    path: head.rawPath,
    stage: stage.stageName,
    requestId: head.requestId,
    requestTime: formatRequestTime(head.receivedAt),
    requestTimeEpoch: head.receivedAt,
    resourceId: resourceIdOf(route.resourcePath),
    resourcePath: route.resourcePath,
    domainName: headerValues(head, 'host')[0] ?? '127.0.0.1',
  };
}

function identityOf(head: RequestHead): APIGatewayEventIdentity {
  return {
    accessKey: null,
    accountId: null,
    apiKey: null,
    apiKeyId: null,
    caller: null,
    clientCert: null,
    cognitoAuthenticationProvider: null,
    cognitoAuthenticationType: null,
    cognitoIdentityId: null,
    cognitoIdentityPoolId: null,
    principalOrgId: null,
    sourceIp: head.sourceIp,
    user: null,
    userAgent: headerValues(head, 'user-agent')[0] ?? null,
    userArn: null,
  };
}

function readHeaders(rawHeaders: string[]): Pick<RequestHead, 'headers' | 'multiValueHeaders'> {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  // The first spelling of a header name is kept for all its values.
  const spellings = new Map<string, string>();

  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const sentName = rawHeaders[index] ?? '';
    const value = rawHeaders[index + 1] ?? '';
    const lowerName = sentName.toLowerCase();

    let name = spellings.get(lowerName);
    if (name === undefined) {
      name = sentName;
      spellings.set(lowerName, name);
      multiValueHeaders[name] = [];
    }
    headers[name] = value;
    multiValueHeaders[name]?.push(value);
  }
  return { headers, multiValueHeaders };
}

function readQuery(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};

  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeFormComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeFormComponent(pair.slice(separator + 1));

    single[name] = value;
    (multi[name] ??= []).push(value);
  }

  if (Object.keys(single).length === 0) return { single: null, multi: null };
  return { single, multi };
}

/** Decodes `+` as a space and percent-escapes; a malformed escape leaves the text as sent. */
function decodeFormComponent(text: string): string {
  const spaced = text.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

function copyMultiValues(values: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).map(([name, list]) => [name, [...list]]));
}

function nullIfEmpty(values: Record<string, string>): Record<string, string> | null {
  return Object.keys(values).length === 0 ? null : { ...values };
}

/** API Gateway's `requestTime` format, such as `09/Apr/2015:12:34:56 +0000`. */
function formatRequestTime(epochMs: number): string {
  const date = new Date(epochMs);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (value: number) => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`
  );
}

/** Returns a stable short id for a resource path, in place of API Gateway's generated resource ids. */
function resourceIdOf(resourcePath: string): string {
  let hash = 0;
  for (const character of resourcePath) hash = (Math.imul(hash, 31) + character.charCodeAt(0)) >>> 0;
  return hash.toString(36).padStart(6, '0').slice(-6);
}
