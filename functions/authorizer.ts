import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { buildPolicy } from './tokens/policy';
import { CALLER_CONTEXT_KEYS } from './http/caller';
import { readEnvironment } from './shared/config';
import { AUTHORIZER_CLIENT_SETTINGS, createDocumentClient } from './shared/dynamodb';
import { createLogger, type Logger } from './shared/logger';
import { TokenRepository } from './tokens/repository';
import { constantTimeEqual, hashSecret, isWellFormedSecret } from './tokens/secret';
import { isExpired } from './tokens/token';

/**
 * The Lambda REQUEST authorizer in front of every route.
 *
 * Steps: find the single Authorization header, match `Bearer <secret>` (scheme in any
 * case, one or more spaces), check the secret's format and checksum without any I/O,
 * then one consistent GetItem by the secret's SHA-256, an expiry check, and a policy
 * built from the token's rights.
 *
 * Every invalid token gets the same 401 ("Unauthorized" is the message API Gateway
 * turns into 401). A store fault throws any other error, which API Gateway answers
 * with its AUTHORIZER_FAILURE response, configured as 503: it never allows a request.
 */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized';

// One shared instance: throwing it skips building a stack trace on the hot rejection path.
const unauthorized = new Error(UNAUTHORIZED_MESSAGE);

// RFC 6750 section 2.1: "Bearer" 1*SP b64token.
const BEARER_PATTERN = /^bearer +([A-Za-z0-9._~+/-]+=*)$/i;

export interface AuthorizerDependencies {
  repository: TokenRepository;
  logger: Logger;
  now?: () => number;
}

export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export function createAuthorizer(dependencies: AuthorizerDependencies): Authorizer {
  const { repository, logger } = dependencies;
  const now = dependencies.now ?? Date.now;

  return async (event) => {
    const secret = presentedSecret(event);
    if (secret === undefined || !isWellFormedSecret(secret)) throw unauthorized;

    const secretHash = hashSecret(secret);
    let grant;
    try {
      grant = await repository.findGrant(secretHash);
    } catch (error) {
      logger.error('token check failed: store unavailable', { error, secretHash });
      throw new Error('Token store unavailable', { cause: error });
    }

    if (!grant || !constantTimeEqual(grant.secretHash, secretHash) || isExpired(grant.expiresAt, now())) {
      throw unauthorized;
    }

    return buildPolicy(grant.tokenId, event.methodArn, grant.rights, {
      [CALLER_CONTEXT_KEYS.tenantId]: grant.tenantId,
      [CALLER_CONTEXT_KEYS.tokenId]: grant.tokenId,
      [CALLER_CONTEXT_KEYS.rights]: grant.rights.join(' '),
    });
  };
}

/**
 * Returns the secret from the only Authorization header, or undefined when the header is
 * missing, repeated or not of the form `Bearer <secret>`. Surrounding spaces and tabs
 * are ignored, as HTTP does for header values; any other character fails the match.
 */
export function presentedSecret(event: Pick<APIGatewayRequestAuthorizerEvent, 'headers' | 'multiValueHeaders'>): string | undefined {
  let value: string | undefined;
  let count = 0;
  for (const name in event.headers ?? {}) {
    if (name.length === 13 && name.toLowerCase() === 'authorization') {
      value = event.headers?.[name];
      count += event.multiValueHeaders?.[name]?.length ?? 1;
    }
  }
  if (count !== 1 || value === undefined) return undefined;

  const match = BEARER_PATTERN.exec(value.replace(/^[ \t]+|[ \t]+$/g, ''));
  return match?.[1];
}

function loadAuthorizer(): Authorizer {
  const environment = readEnvironment();
  const client = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, environment.dynamodbEndpoint);
  return createAuthorizer({
    repository: new TokenRepository(client, environment.tableName),
    logger: createLogger({ level: environment.logLevel }),
  });
}

export const handler = loadAuthorizer();
