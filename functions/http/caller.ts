import type { APIGatewayProxyEvent } from 'aws-lambda';
import { isRight, type Right } from '../tokens/rights';
import { HttpError } from './errors';

/** The token that made the request, as the authorizer put it in the request context. */
export interface Caller {
  tenantId: string;
  tokenId: string;
  rights: Right[];
  /** When the calling token expires; absent when it never does. */
  expiresAt?: string;
}

/**
 * Context keys the authorizer sets. API Gateway passes context values as strings,
 * so rights travel as one space-separated string and a token without expiry sends an
 * empty `expiresAt`.
 */
export const CALLER_CONTEXT_KEYS = {
  tenantId: 'tenantId',
  tokenId: 'tokenId',
  rights: 'rights',
  expiresAt: 'expiresAt',
} as const;

/**
 * Reads the caller from the authorizer context. A request without it can only come
 * from a misconfigured gateway, so it is rejected rather than trusted.
 */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const context = event.requestContext?.authorizer ?? {};
  const tenantId = context[CALLER_CONTEXT_KEYS.tenantId];
  const tokenId = context[CALLER_CONTEXT_KEYS.tokenId];
  const rights = context[CALLER_CONTEXT_KEYS.rights];
  if (typeof tenantId !== 'string' || typeof tokenId !== 'string' || typeof rights !== 'string' || !tenantId) {
    throw new HttpError(401, 'The request carries no verified token.');
  }
  const expiresAt = context[CALLER_CONTEXT_KEYS.expiresAt];
  const caller: Caller = { tenantId, tokenId, rights: rights.split(' ').filter(isRight) };
  if (typeof expiresAt === 'string' && expiresAt !== '') caller.expiresAt = expiresAt;
  return caller;
}
