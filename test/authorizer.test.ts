import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer, presentedSecret, type Authorizer } from '../functions/authorizer';
import { createDocumentClient, AUTHORIZER_CLIENT_SETTINGS } from '../functions/shared/dynamodb';
import { generateTokenId } from '../functions/tokens/ids';
import { TokenRepository } from '../functions/tokens/repository';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import type { Token } from '../functions/tokens/token';
import { authorizerRequestEvent, capturingLogger } from './support/events';
import { startTestStore, type TestStore } from './support/store';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/whoami';

let testStore: TestStore;
let repository: TokenRepository;
let authorize: Authorizer;

function requestEvent(headers: Record<string, string | string[]>): APIGatewayRequestAuthorizerEvent {
  return authorizerRequestEvent(headers, METHOD_ARN);
}

async function storeToken(overrides: Partial<Token> = {}): Promise<{ token: Token; secret: string }> {
  const secret = generateSecret();
  const token: Token = {
    id: generateTokenId(),
    tenantId: 'acme',
    name: 'Authorizer test',
    rights: ['items:read'],
    createdAt: new Date().toISOString(),
    createdBy: 'bootstrap',
    hint: hintOf(secret),
    ...overrides,
  };
  await repository.createToken(token, hashSecret(secret));
  return { token, secret };
}

beforeAll(async () => {
  testStore = await startTestStore();
  repository = new TokenRepository(testStore.documentClient, await testStore.createTable());
  authorize = createAuthorizer({ repository, logger: capturingLogger().logger });
});

afterAll(async () => {
  await testStore.close();
});

describe('authorizer', () => {
  it('allows the routes of the token\'s rights', async () => {
    const { token, secret } = await storeToken();
    const result = await authorize(requestEvent({ Authorization: `Bearer ${secret}` }));

    expect(result.principalId).toBe(token.id);
    expect(result.context).toEqual({ tenantId: 'acme', tokenId: token.id, rights: 'items:read', expiresAt: '' });
    const resources = result.policyDocument.Statement.flatMap((statement) => ('Resource' in statement ? statement.Resource : []));
    expect(resources).toContain('arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/items');
    expect(resources).toContain('arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/whoami');
    expect(resources).not.toContain('arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/tokens');
  });

  it('passes only string context values', async () => {
    const { secret } = await storeToken({ rights: ['items:read', 'orders:write'] });
    const result = await authorize(requestEvent({ authorization: `bearer ${secret}` }));
    for (const value of Object.values(result.context ?? {})) expect(typeof value).toBe('string');
    expect(result.context?.rights).toBe('items:read orders:write');
  });

  it('rejects an unknown well-formed token', async () => {
    await expect(authorize(requestEvent({ Authorization: `Bearer ${generateSecret()}` }))).rejects.toThrow(/^Unauthorized$/);
  });

  it('rejects an expired token', async () => {
    const { token, secret } = await storeToken({ expiresAt: new Date(Date.now() + 60_000).toISOString() });
    const later = createAuthorizer({ repository, logger: capturingLogger().logger, now: () => Date.now() + 120_000 });

    const current = await authorize(requestEvent({ Authorization: `Bearer ${secret}` }));
    expect(current.context?.expiresAt).toBe(token.expiresAt);
    await expect(later(requestEvent({ Authorization: `Bearer ${secret}` }))).rejects.toThrow(/^Unauthorized$/);
  });

  it('rejects a deleted token at once', async () => {
    const { token, secret } = await storeToken();
    await repository.deleteToken(token.tenantId, token.id);
    await expect(authorize(requestEvent({ Authorization: `Bearer ${secret}` }))).rejects.toThrow(/^Unauthorized$/);
  });

  it('fails closed when the store is unreachable', async () => {
    const { secret } = await storeToken();
    // A closed local port is a real store fault: the SDK gets connection refused.
    const unreachable = new TokenRepository(createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, 'http://127.0.0.1:9'), 'tokens');
    const { logger, lines } = capturingLogger();
    const broken = createAuthorizer({ repository: unreachable, logger });

    const outcome = broken(requestEvent({ Authorization: `Bearer ${secret}` }));

    await expect(outcome).rejects.toThrow('Token store unavailable');
    await expect(outcome).rejects.not.toThrow(/^Unauthorized$/);
    expect(lines.join('\n')).toContain('store unavailable');
    expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('presentedSecret', () => {
  const secret = generateSecret();

  it.each([
    ['standard form', { Authorization: `Bearer ${secret}` }],
    ['lower-case header and scheme', { authorization: `bearer ${secret}` }],
    ['upper-case scheme', { AUTHORIZATION: `BEARER ${secret}` }],
    ['two spaces', { Authorization: `Bearer  ${secret}` }],
    ['surrounding whitespace', { Authorization: ` Bearer ${secret}\t` }],
  ])('accepts %s', (_case, headers) => {
    expect(presentedSecret(requestEvent(headers))).toBe(secret);
  });

  it.each([
    ['no header', {}],
    ['empty header', { Authorization: '' }],
    ['scheme only', { Authorization: 'Bearer' }],
    ['bare token', { Authorization: secret }],
    ['Basic scheme', { Authorization: `Basic ${secret}` }],
    ['underscore after scheme', { Authorization: `Bearer_${secret}` }],
    ['no space after scheme', { Authorization: `Bearer${secret}` }],
    ['tab after scheme', { Authorization: `Bearer\t${secret}` }],
    ['two tokens', { Authorization: `Bearer ${secret} ${secret}` }],
    ['trailing newline', { Authorization: `Bearer ${secret}\n` }],
    ['two headers', { Authorization: [`Bearer ${secret}`, `Bearer ${secret}`] }],
  ])('rejects %s', (_case, headers) => {
    expect(presentedSecret(requestEvent(headers as Record<string, string>))).toBeUndefined();
  });
});
