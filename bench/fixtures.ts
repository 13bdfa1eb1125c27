import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { createLogger, type Logger } from '../functions/shared/logger';
import { generateTokenId } from '../functions/tokens/ids';
import type { TokenRepository } from '../functions/tokens/repository';
import type { Right } from '../functions/tokens/rights';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import type { Token } from '../functions/tokens/token';
import { authorizerRequestEvent, proxyEvent as buildProxyEvent } from '../test/support/events';

export const BENCH_TENANT = 'bench';
export const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:bench123/prod/GET/whoami';
/** Headers a typical client sends, so the handlers scan as many as they would in production. */
const TYPICAL_HEADERS = { Host: 'api.example.test', 'User-Agent': 'rentmagic-bench/1.0', Accept: 'application/json' };

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
  return authorizerRequestEvent({ ...TYPICAL_HEADERS, 'X-Forwarded-For': '192.0.2.10', ...headers }, METHOD_ARN);
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
  const { caller, ...request } = options;
  return buildProxyEvent({
    ...request,
    headers: TYPICAL_HEADERS,
    caller: { tenantId: caller.tenantId, tokenId: caller.id, rights: caller.rights },
  });
}
