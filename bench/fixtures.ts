import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { createLogger, type Logger } from '../functions/shared/logger';
import { generateTokenId } from '../functions/tokens/ids';
import type { TokenRepository } from '../functions/tokens/repository';
import type { Right } from '../functions/tokens/rights';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import type { Token } from '../functions/tokens/token';

export const BENCH_TENANT = 'bench';
export const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:bench123/prod/GET/whoami';
export const LAMBDA_CONTEXT = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

/** Creates a logger at the production level, info, that formats each line and then drops it. */
export function discardingLogger(): Logger {
  return createLogger({ level: 'info', sink: () => undefined });
}

export interface StoredToken {
  token: Token;
  secret: string;
}

/** Creates a token through the repository, as the create function does. */
export async function storeToken(repository: TokenRepository, rights: Right[], name = 'Benchmark token'): Promise<StoredToken> {
  const secret = generateSecret();
  const token: Token = {
    id: generateTokenId(),
    tenantId: BENCH_TENANT,
    name,
    description: 'Created by the benchmark',
    rights,
    createdAt: new Date().toISOString(),
    createdBy: 'bootstrap',
    hint: hintOf(secret),
  };
  await repository.createToken(token, hashSecret(secret));
  return { token, secret };
}

/** Builds a REQUEST authorizer event with the headers a typical client sends. */
export function authorizerEvent(headers: Record<string, string | string[]>): APIGatewayRequestAuthorizerEvent {
  const all: Record<string, string | string[]> = {
    Host: 'api.example.test',
    'User-Agent': 'rentmagic-bench/1.0',
    Accept: 'application/json',
    'X-Forwarded-For': '192.0.2.10',
    ...headers,
  };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(all)) {
    const values = Array.isArray(value) ? value : [value];
    single[name] = values[values.length - 1] ?? '';
    multi[name] = values;
  }
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/whoami',
    path: '/whoami',
    httpMethod: 'GET',
    headers: single,
    multiValueHeaders: multi,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: { requestId: randomUUID() },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

export interface ProxyEventOptions {
  method: string;
  path: string;
  caller: Token;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/** Builds the proxy event that API Gateway sends an admin function once the authorizer allowed the call. */
export function proxyEvent(options: ProxyEventOptions): APIGatewayProxyEvent {
  const headers: Record<string, string> = {
    Host: 'api.example.test',
    'User-Agent': 'rentmagic-bench/1.0',
    Accept: 'application/json',
    ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
  };
  return {
    httpMethod: options.method,
    path: options.path,
    resource: options.path,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: options.query
      ? Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: randomUUID(),
      authorizer: {
        principalId: options.caller.id,
        tenantId: options.caller.tenantId,
        tokenId: options.caller.id,
        rights: options.caller.rights.join(' '),
      },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  } as APIGatewayProxyEvent;
}
