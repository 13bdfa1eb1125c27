import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../functions/authorizer';
import { createCreateTokenHandler } from '../functions/create-token';
import { createDeleteTokenHandler } from '../functions/delete-token';
import { createDeleteTokensHandler } from '../functions/delete-tokens';
import { createGetTokenHandler } from '../functions/get-token';
import { createListTokensHandler } from '../functions/list-tokens';
import type { HttpHandler } from '../functions/http/handler';
import { ADMIN_CLIENT_SETTINGS, AUTHORIZER_CLIENT_SETTINGS, createDocumentClient } from '../functions/shared/dynamodb';
import { generateTokenId } from '../functions/tokens/ids';
import { TokenRepository } from '../functions/tokens/repository';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import type { Token } from '../functions/tokens/token';
import { adminCaller, authorizerRequestEvent, capturingLogger, LAMBDA_CONTEXT, proxyEvent, type EventOptions } from './support/events';
import { countRequests, type RequestCounter } from './support/request-counter';
import { startTestStore, type TestStore } from './support/store';

/**
 * How many store requests each operation sends, counted by SDK middleware on the
 * production client settings against the real local store. These numbers bound the
 * cost and latency of every call, so a change that adds a request must change a test.
 */

/** Tokens per TransactWriteItems in a bulk delete: DynamoDB allows 100 actions, 2 per token. */
const TOKENS_PER_TRANSACTION = 50;

let testStore: TestStore;
let tableName: string;
let client: ReturnType<typeof createDocumentClient>;
let counter: RequestCounter;
let repository: TokenRepository;
let handlers: Record<'create' | 'get' | 'list' | 'delete' | 'bulkDelete', HttpHandler>;

beforeAll(async () => {
  testStore = await startTestStore();
  tableName = await testStore.createTable();
  client = createDocumentClient(ADMIN_CLIENT_SETTINGS, testStore.store.endpoint);
  counter = countRequests(client);
  repository = new TokenRepository(client, tableName);

  const dependencies = { repository, logger: capturingLogger().logger, corsOrigins: [] };
  const flushAuthorizerCache = async (): Promise<void> => undefined;
  handlers = {
    create: createCreateTokenHandler(dependencies),
    get: createGetTokenHandler(dependencies),
    list: createListTokensHandler(dependencies),
    delete: createDeleteTokenHandler({ ...dependencies, flushAuthorizerCache }),
    bulkDelete: createDeleteTokensHandler({ ...dependencies, flushAuthorizerCache }),
  };
});

afterAll(async () => {
  client.destroy();
  await testStore.close();
});

async function call(handler: HttpHandler, options: EventOptions): Promise<APIGatewayProxyResult & { json: any }> {
  const result = await handler(proxyEvent(options), LAMBDA_CONTEXT);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

/** Stores tokens through the repository, then clears the counter, so a test counts only its own call. */
async function storeTokens(tenantId: string, count: number): Promise<{ token: Token; secret: string }[]> {
  const stored: { token: Token; secret: string }[] = [];
  for (let i = 0; i < count; i++) {
    const secret = generateSecret();
    const token: Token = {
      id: generateTokenId(),
      tenantId,
      name: `Counted ${i}`,
      rights: ['items:read'],
      createdAt: new Date().toISOString(),
      createdBy: 'bootstrap',
      hint: hintOf(secret),
    };
    await repository.createToken(token, hashSecret(secret));
    stored.push({ token, secret });
  }
  counter.reset();
  return stored;
}

describe('authorizer requests', () => {
  let authorizerCounter: RequestCounter;
  let authorize: ReturnType<typeof createAuthorizer>;
  let authorizerClient: ReturnType<typeof createDocumentClient>;

  beforeAll(() => {
    authorizerClient = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, testStore.store.endpoint);
    authorizerCounter = countRequests(authorizerClient);
    authorize = createAuthorizer({ repository: new TokenRepository(authorizerClient, tableName), logger: capturingLogger().logger });
  });

  afterAll(() => {
    authorizerClient.destroy();
  });

  it('reads once for a valid token', async () => {
    const [stored] = await storeTokens('authorizer', 1);
    authorizerCounter.reset();

    await authorize(authorizerRequestEvent({ Authorization: `Bearer ${stored?.secret}` }));

    expect(authorizerCounter.countsByOperation()).toEqual({ GetItem: 1 });
  });

  it('reads once for an unknown well-formed token', async () => {
    authorizerCounter.reset();
    await expect(authorize(authorizerRequestEvent({ Authorization: `Bearer ${generateSecret()}` }))).rejects.toThrow(/^Unauthorized$/);
    expect(authorizerCounter.countsByOperation()).toEqual({ GetItem: 1 });
  });

  const secret = generateSecret();
  const lastReplaced = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
  const entropyReplaced = secret.slice(0, 10) + (secret[10] === 'A' ? 'B' : 'A') + secret.slice(11);

  it.each([
    ['no header', {}],
    ['Basic scheme', { Authorization: 'Basic dXNlcjpwYXNzd29yZA==' }],
    ['scheme only', { Authorization: 'Bearer' }],
    ['one character short', { Authorization: `Bearer ${secret.slice(0, -1)}` }],
    ['character outside base62', { Authorization: `Bearer ${secret.slice(0, 20)}-${secret.slice(21)}` }],
    ['foreign prefix', { Authorization: `Bearer ghp_${secret.slice(4)}` }],
    ['two headers', { Authorization: [`Bearer ${secret}`, `Bearer ${secret}`] }],
    ['forged checksum', { Authorization: `Bearer ${lastReplaced}` }],
    ['changed entropy', { Authorization: `Bearer ${entropyReplaced}` }],
  ])('sends nothing for %s', async (_case, headers) => {
    authorizerCounter.reset();
    await expect(authorize(authorizerRequestEvent(headers as Record<string, string | string[]>))).rejects.toThrow(/^Unauthorized$/);
    expect(authorizerCounter.count()).toBe(0);
  });
});

describe('admin handler requests', () => {
  it('create sends one transaction', async () => {
    counter.reset();
    const response = await call(handlers.create, {
      method: 'POST',
      path: '/tokens',
      caller: adminCaller('create'),
      body: { name: 'Counted', rights: ['items:read'] },
    });

    expect(response.statusCode).toBe(201);
    expect(counter.countsByOperation()).toEqual({ TransactWriteItems: 1 });
  });

  it('get sends one read', async () => {
    const [stored] = await storeTokens('get', 1);
    const id = stored?.token.id ?? '';

    const response = await call(handlers.get, { path: `/tokens/${id}`, caller: adminCaller('get'), pathParameters: { id } });

    expect(response.statusCode).toBe(200);
    expect(counter.countsByOperation()).toEqual({ GetItem: 1 });
  });

  it('list sends one bounded query per page', async () => {
    const tokens = await storeTokens('list', 7);
    const limit = 3;
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;

    do {
      counter.reset();
      const query: Record<string, string> = { limit: String(limit), ...(cursor ? { cursor } : {}) };
      const response = await call(handlers.list, { path: '/tokens', caller: adminCaller('list'), query });
      expect(response.statusCode).toBe(200);
      const returned = (response.json.items as { id: string }[]).length;

      expect(counter.countsByOperation(), `page ${pages + 1}`).toEqual({ Query: 1 });
      const output = counter.requests[0]?.output ?? {};
      expect(output.ScannedCount, `page ${pages + 1} items read`).toBeLessThanOrEqual(returned + 1);
      expect(output.Count, `page ${pages + 1} items matched`).toBeLessThanOrEqual(returned + 1);

      seen.push(...(response.json.items as { id: string }[]).map((item) => item.id));
      cursor = response.json.nextCursor as string | null;
      pages++;
    } while (cursor && pages < 10);

    expect(pages).toBe(Math.ceil(tokens.length / limit));
    expect(seen.sort()).toEqual(tokens.map((stored) => stored.token.id).sort());
  });

  it('list of an empty tenant sends one query', async () => {
    counter.reset();
    const response = await call(handlers.list, { path: '/tokens', caller: adminCaller('empty') });

    expect(response.statusCode).toBe(200);
    expect(counter.countsByOperation()).toEqual({ Query: 1 });
    expect(counter.requests[0]?.output?.ScannedCount).toBe(0);
  });

  it('delete sends one read and one transaction', async () => {
    const [stored] = await storeTokens('delete', 1);
    const id = stored?.token.id ?? '';

    const response = await call(handlers.delete, { method: 'DELETE', path: `/tokens/${id}`, caller: adminCaller('delete'), pathParameters: { id } });

    expect(response.statusCode).toBe(204);
    expect(counter.countsByOperation()).toEqual({ GetItem: 1, TransactWriteItems: 1 });
  });

  it('delete of a missing token sends one read', async () => {
    counter.reset();
    const id = generateTokenId();

    const response = await call(handlers.delete, { method: 'DELETE', path: `/tokens/${id}`, caller: adminCaller('delete'), pathParameters: { id } });

    expect(response.statusCode).toBe(404);
    expect(counter.countsByOperation()).toEqual({ GetItem: 1 });
  });
});

describe('bulk delete requests', () => {
  /**
   * Expects one BatchGetItem and one TransactWriteItems per 50 found tokens. A retry is
   * allowed only where the store asked for one: a BatchGetItem response with unprocessed
   * keys, or a transaction that failed, such as by cancellation.
   */
  function expectBulkDeleteRequests(found: number): void {
    const batchGets = counter.requests.filter((request) => request.operation === 'BatchGetItem');
    const transactions = counter.requests.filter((request) => request.operation === 'TransactWriteItems');
    const unprocessedResponses = batchGets.filter((request) => {
      const unprocessed = request.output?.UnprocessedKeys as Record<string, { Keys?: unknown[] }> | undefined;
      return Object.values(unprocessed ?? {}).some((entry) => (entry.Keys?.length ?? 0) > 0);
    }).length;
    const failedTransactions = transactions.filter((request) => request.output === undefined).length;

    expect(counter.count(), 'requests other than BatchGetItem and TransactWriteItems').toBe(batchGets.length + transactions.length);
    expect(batchGets.length, 'BatchGetItem requests').toBe(1 + unprocessedResponses);
    expect(transactions.length, 'TransactWriteItems requests').toBe(Math.ceil(found / TOKENS_PER_TRANSACTION) + failedTransactions);
  }

  it.each([1, 50, 51, 100])('of %i ids sends one read and a transaction per 50', async (count) => {
    const tenantId = `bulk-${count}`;
    const stored = await storeTokens(tenantId, count);
    const ids = stored.map((entry) => entry.token.id);

    const response = await call(handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', caller: adminCaller(tenantId), body: { ids } });

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted).toHaveLength(count);
    expectBulkDeleteRequests(count);
  });

  it('counts only found ids for transactions', async () => {
    const tenantId = 'bulk-partial';
    const stored = await storeTokens(tenantId, 50);
    const ids = [...stored.map((entry) => entry.token.id), generateTokenId()];

    const response = await call(handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', caller: adminCaller(tenantId), body: { ids } });

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted).toHaveLength(50);
    expect(response.json.notFound).toHaveLength(1);
    expectBulkDeleteRequests(50);
  });
});
