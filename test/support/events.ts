import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../../functions/http/caller';
import { ALL_RIGHTS } from '../../functions/tokens/rights';
import { createLogger, type Logger } from '../../functions/shared/logger';

export const LAMBDA_CONTEXT = { awsRequestId: 'test', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

export interface EventOptions {
  method?: string;
  path?: string;
  caller?: Caller | null;
  body?: unknown;
  /** Sent as is, without JSON encoding. */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
}

export function adminCaller(tenantId = 'acme', tokenId = 'tok_01HZZZZZZZZZZZZZZZZZZZZZZZ'): Caller {
  return { tenantId, tokenId, rights: [...ALL_RIGHTS] };
}

/** Builds the proxy event API Gateway sends a handler after the authorizer allowed the call. */
export function proxyEvent(options: EventOptions = {}): APIGatewayProxyEvent {
  const caller = options.caller === undefined ? adminCaller() : options.caller;
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const headers: Record<string, string> = {
    ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    ...options.headers,
  };
  const body = options.rawBody ?? (options.body === undefined ? null : JSON.stringify(options.body));

  return {
    httpMethod: options.method ?? 'GET',
    path: options.path ?? '/',
    resource: options.path ?? '/',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query
      ? Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      authorizer: caller
        ? {
            principalId: caller.tokenId,
            tenantId: caller.tenantId,
            tokenId: caller.tokenId,
            rights: caller.rights.join(' '),
            expiresAt: caller.expiresAt ?? '',
          }
        : undefined,
    } as APIGatewayProxyEvent['requestContext'],
  };
}

export const WHOAMI_METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/whoami';

/**
 * Builds the REQUEST authorizer event API Gateway sends. A header given as an array
 * arrives repeated, as in `multiValueHeaders`, with its last value in `headers`.
 */
export function authorizerRequestEvent(
  headers: Record<string, string | string[]>,
  methodArn: string = WHOAMI_METHOD_ARN,
): APIGatewayRequestAuthorizerEvent {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    single[name] = values[values.length - 1] ?? '';
    multi[name] = values;
  }
  const path = `/${methodArn.split('/').slice(3).join('/')}`;
  return {
    type: 'REQUEST',
    methodArn,
    resource: path,
    path,
    httpMethod: methodArn.split('/')[2] ?? 'GET',
    headers: single,
    multiValueHeaders: multi,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: randomUUID() },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

/** Creates a logger that keeps its lines, so tests can inspect what was logged. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', sink: (line) => lines.push(line) }), lines };
}
