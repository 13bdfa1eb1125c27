import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { UNAUTHORIZED_MESSAGE, buildPolicy } from './tokens/policy';
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
 * It finds the single Authorization header and matches `Bearer <secret>`, with the scheme
 * in any case and one or more spaces. It checks the secret's format and checksum without
 * any I/O. Then it makes one consistent GetItem by the secret's SHA-256, checks the
 * expiry and builds a policy from the token's rights.
 *
 * Every invalid token gets the same 401 ("Unauthorized" is the message API Gateway
 * turns into 401). A store fault throws any other error, which API Gateway answers
 * with its AUTHORIZER_FAILURE response, configured as 503: it never allows a request.
 */
export { UNAUTHORIZED_MESSAGE };

// One shared instance: throwing it skips building a stack trace on the hot rejection path.
const unauthorized = new Error(UNAUTHORIZED_MESSAGE);

/**
 * One promise, rejected with `unauthorized` and already handled, returned for every
 * malformed or forged token. A promise that rejects before anyone listens goes through
 * Node's unhandled-rejection tracking, which cost about as much as a SHA-256 in a
 * micro-benchmark on Node 20, so the rejection path would cost more than the hash it
 * avoids. A settled promise cannot change, so sharing it is safe.
 */
const rejectedUnauthorized: Promise<never> = Promise.reject(unauthorized);
rejectedUnauthorized.catch(() => undefined);

export interface AuthorizerDependencies {
  repository: TokenRepository;
  logger: Logger;
  now?: () => number;
}

export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export function createAuthorizer(dependencies: AuthorizerDependencies): Authorizer {
  const { repository, logger } = dependencies;
  const now = dependencies.now ?? Date.now;

  const authorize = async (event: APIGatewayRequestAuthorizerEvent, secret: string): Promise<APIGatewayAuthorizerResult> => {
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
      [CALLER_CONTEXT_KEYS.expiresAt]: grant.expiresAt ?? '',
    });
  };

  // Not async, so the format check can return the shared rejected promise. Whatever it
  // throws still reaches the caller as a rejection, as from an async function.
  return (event) => {
    let secret: string | undefined;
    try {
      secret = presentedSecret(event);
      if (secret === undefined || !isWellFormedSecret(secret)) return rejectedUnauthorized;
    } catch (error) {
      return Promise.reject(error);
    }
    return authorize(event, secret);
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
  return bearerToken(value);
}

const SPACE = 0x20;
const TAB = 0x09;
const EQUALS_SIGN = 0x3d;
const BEARER = 'bearer';

/** The b64token characters of RFC 6750 section 2.1 other than the trailing `=`, by char code. */
const B64TOKEN_CHARACTERS = characterSet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/');

/**
 * Returns what `/^bearer +([A-Za-z0-9._~+/-]+=*)$/i` (RFC 6750: "Bearer" 1*SP b64token)
 * captures in `value` once leading and trailing spaces and tabs are removed. It scans the
 * characters instead of running regular expressions because it runs for every request,
 * rejected ones included. As in that pattern, only ASCII letters match the scheme
 * case-insensitively.
 */
function bearerToken(value: string): string | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isSpaceOrTab(value.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(value.charCodeAt(end - 1))) end--;

  // The scheme, at least one space and at least one token character.
  if (end - start < BEARER.length + 2) return undefined;
  for (let i = 0; i < BEARER.length; i++) {
    // Setting bit 0x20 lower-cases an ASCII letter and maps no other code onto a letter of "bearer".
    if ((value.charCodeAt(start + i) | 0x20) !== BEARER.charCodeAt(i)) return undefined;
  }

  let tokenStart = start + BEARER.length;
  if (value.charCodeAt(tokenStart) !== SPACE) return undefined;
  while (value.charCodeAt(tokenStart) === SPACE) tokenStart++;

  let i = tokenStart;
  while (i < end && B64TOKEN_CHARACTERS[value.charCodeAt(i)] === 1) i++;
  if (i === tokenStart) return undefined;
  while (i < end && value.charCodeAt(i) === EQUALS_SIGN) i++;
  return i === end ? value.slice(tokenStart, end) : undefined;
}

function isSpaceOrTab(code: number): boolean {
  return code === SPACE || code === TAB;
}

function characterSet(characters: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let i = 0; i < characters.length; i++) set[characters.charCodeAt(i)] = 1;
  return set;
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
