import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCreateTokenHandler } from '../functions/create-token';
import { createDeleteTokenHandler } from '../functions/delete-token';
import { createDeleteTokensHandler } from '../functions/delete-tokens';
import { createGetTokenHandler } from '../functions/get-token';
import { createListTokensHandler } from '../functions/list-tokens';
import { createRejectTokenUpdateHandler } from '../functions/reject-token-update';
import { createWhoamiHandler } from '../functions/whoami';
import type { HttpHandler } from '../functions/http/handler';
import { generateTokenId } from '../functions/tokens/ids';
import { TokenRepository } from '../functions/tokens/repository';
import { hashSecret, isWellFormedSecret } from '../functions/tokens/secret';
import { adminCaller, capturingLogger, LAMBDA_CONTEXT, proxyEvent, type EventOptions } from './support/events';
import { startTestStore, type TestStore } from './support/store';
import { snapshotTable } from './support/table-snapshot';

let testStore: TestStore;
let tableName: string;
let repository: TokenRepository;
let logLines: string[];
let flushCount: number;
let failFlush: boolean;
let handlers: Record<'create' | 'get' | 'list' | 'delete' | 'bulkDelete' | 'whoami' | 'rejectUpdate', HttpHandler>;

beforeAll(async () => {
  testStore = await startTestStore();
});

afterAll(async () => {
  await testStore.close();
});

beforeEach(async () => {
  tableName = await testStore.createTable();
  repository = new TokenRepository(testStore.documentClient, tableName);
  const { logger, lines } = capturingLogger();
  logLines = lines;
  flushCount = 0;
  failFlush = false;
  const flushAuthorizerCache = async () => {
    flushCount++;
    if (failFlush) throw new Error('flush endpoint unreachable');
  };
  const dependencies = { repository, logger, corsOrigins: ['https://admin.example'] };
  handlers = {
    create: createCreateTokenHandler(dependencies),
    get: createGetTokenHandler(dependencies),
    list: createListTokensHandler(dependencies),
    delete: createDeleteTokenHandler({ ...dependencies, flushAuthorizerCache }),
    bulkDelete: createDeleteTokensHandler({ ...dependencies, flushAuthorizerCache }),
    whoami: createWhoamiHandler(dependencies),
    rejectUpdate: createRejectTokenUpdateHandler(dependencies),
  };
});

async function call(handler: HttpHandler, options: EventOptions): Promise<APIGatewayProxyResult & { json: any }> {
  const result = await handler(proxyEvent(options), LAMBDA_CONTEXT);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

async function createToken(body: Record<string, unknown> = {}, caller = adminCaller()) {
  const response = await call(handlers.create, {
    method: 'POST',
    path: '/tokens',
    caller,
    body: { name: 'Integration', rights: ['items:read'], ...body },
  });
  expect(response.statusCode).toBe(201);
  return response.json as { id: string; secret: string; [field: string]: unknown };
}

describe('create token', () => {
  it('returns secret once with metadata', async () => {
    const response = await call(handlers.create, {
      method: 'POST',
      path: '/tokens',
      body: {
        name: '  Warehouse sync  ',
        description: 'Nightly stock import\nfrom the ERP',
        owner: 'ops@example.com',
        rights: ['items:write', 'items:read', 'items:read'],
        expiresAt: '2030-01-01T10:00:00+02:00',
      },
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers?.Location).toBe(`/tokens/${response.json.id}`);
    expect(response.headers?.['Cache-Control']).toBe('no-store');
    expect(isWellFormedSecret(response.json.secret)).toBe(true);
    expect(response.json).toMatchObject({
      tenantId: 'acme',
      name: 'Warehouse sync',
      description: 'Nightly stock import\nfrom the ERP',
      owner: 'ops@example.com',
      rights: ['items:read', 'items:write'],
      expiresAt: '2030-01-01T08:00:00.000Z',
      createdBy: adminCaller().tokenId,
      hint: `rmt_...${response.json.secret.slice(-4)}`,
    });
  });

  it('locates the token under the stage path', async () => {
    const event = proxyEvent({ method: 'POST', path: '/tokens', body: { name: 'Staged', rights: ['items:read'] } });
    event.requestContext.path = '/v1/tokens';

    const response = await handlers.create(event, LAMBDA_CONTEXT);

    expect(response.statusCode).toBe(201);
    expect(response.headers?.Location).toBe(`/v1/tokens/${JSON.parse(response.body).id}`);
  });

  it('stores only the hash of the secret', async () => {
    const { id, secret } = await createToken();
    const items = await snapshotTable(testStore.documentClient, tableName);

    expect(items).toHaveLength(2);
    expect(JSON.stringify(items)).not.toContain(secret);
    expect(JSON.stringify(items)).toContain(hashSecret(secret));
    expect(await repository.findGrant(hashSecret(secret))).toMatchObject({ tokenId: id, tenantId: 'acme' });
  });

  it('never logs the secret', async () => {
    const { secret } = await createToken();
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toContain(secret);
  });

  it('rejects rights the caller lacks', async () => {
    const caller = { ...adminCaller(), rights: ['tokens:create' as const, 'items:read' as const] };
    const response = await call(handlers.create, {
      method: 'POST',
      path: '/tokens',
      caller,
      body: { name: 'Escalation', rights: ['items:read', 'invoices:write'] },
    });

    expect(response.statusCode).toBe(403);
    expect(response.json.detail).toContain('invoices:write');
    expect(response.json.missingRights).toEqual(['invoices:write']);
    expect(await snapshotTable(testStore.documentClient, tableName)).toEqual([]);
  });

  it('adds CORS headers for allowed origins', async () => {
    const allowed = await call(handlers.whoami, { headers: { Origin: 'https://admin.example' } });
    const other = await call(handlers.whoami, { headers: { Origin: 'https://evil.example' } });
    expect(allowed.headers?.['Access-Control-Allow-Origin']).toBe('https://admin.example');
    expect(other.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});

describe('request validation', () => {
  const inTwoYears = new Date(Date.now() + 2 * 365 * 86_400_000).toISOString();

  it.each([
    ['missing name', { rights: ['items:read'] }, 'body.name'],
    ['empty name', { name: '', rights: ['items:read'] }, 'body.name'],
    ['whitespace-only name', { name: '   ', rights: ['items:read'] }, 'body.name'],
    ['name too long', { name: 'x'.repeat(101), rights: ['items:read'] }, 'body.name'],
    ['name with control character', { name: 'a\u0007b', rights: ['items:read'] }, 'body.name'],
    ['name with bidi override', { name: 'abc\u202Egpj.exe', rights: ['items:read'] }, 'body.name'],
    ['name with zero-width space', { name: 'ad\u200Bmin', rights: ['items:read'] }, 'body.name'],
    ['name as number', { name: 42, rights: ['items:read'] }, 'body.name'],
    ['description too long', { name: 'a', description: 'd'.repeat(1001), rights: ['items:read'] }, 'body.description'],
    ['owner too long', { name: 'a', owner: 'o'.repeat(201), rights: ['items:read'] }, 'body.owner'],
    ['no rights', { name: 'a', rights: [] }, 'body.rights'],
    ['rights as string', { name: 'a', rights: 'items:read' }, 'body.rights'],
    ['unknown right', { name: 'a', rights: ['items:read', 'items:delete'] }, 'body.rights[1]'],
    ['wildcard right', { name: 'a', rights: ['items:*'] }, 'body.rights[0]'],
    ['upper-case right', { name: 'a', rights: ['ITEMS:READ'] }, 'body.rights[0]'],
    ['expiry in the past', { name: 'a', rights: ['items:read'], expiresAt: '2020-01-01T00:00:00Z' }, 'body.expiresAt'],
    ['expiry without zone', { name: 'a', rights: ['items:read'], expiresAt: inTwoYears.slice(0, 19) }, 'body.expiresAt'],
    ['expiry as date only', { name: 'a', rights: ['items:read'], expiresAt: '2030-01-01' }, 'body.expiresAt'],
    ['expiry beyond five years', { name: 'a', rights: ['items:read'], expiresAt: '2099-01-01T00:00:00Z' }, 'body.expiresAt'],
    ['unknown field', { name: 'a', rights: ['items:read'], admin: true }, 'body.admin'],
    ['secret supplied', { name: 'a', rights: ['items:read'], secret: 'rmt_x' }, 'body.secret'],
  ])('rejects %s', async (_case, body, path) => {
    const response = await call(handlers.create, { method: 'POST', path: '/tokens', body });

    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(response.json.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(response.json.detail).toContain(path);
    expect(await snapshotTable(testStore.documentClient, tableName)).toEqual([]);
  });

  it.each([
    ['malformed JSON', { rawBody: '{"name": ' }, 400],
    ['empty body', { rawBody: '' }, 400],
    ['null body', { rawBody: 'null' }, 400],
    ['array body', { rawBody: '[]' }, 400],
    ['string body', { rawBody: '"token"' }, 400],
    ['text content type', { rawBody: '{}', headers: { 'Content-Type': 'text/plain' } }, 415],
    ['missing content type', { rawBody: '{}', headers: { 'Content-Type': '' } }, 415],
    ['latin-1 charset', { rawBody: '{}', headers: { 'Content-Type': 'application/json; charset=iso-8859-1' } }, 415],
    ['body over 16 KB', { body: { name: 'a', rights: ['items:read'], description: 'x'.repeat(17_000) } }, 413],
  ])('answers %s with a problem', async (_case, options, status) => {
    const response = await call(handlers.create, { method: 'POST', path: '/tokens', ...options });
    expect(response.statusCode).toBe(status);
    expect(response.json).toMatchObject({ status, type: expect.stringMatching(/^urn:rentmagic:problem:/) });
    expect(typeof response.json.requestId).toBe('string');
  });

  it('accepts a utf-8 charset parameter', async () => {
    const response = await call(handlers.create, {
      method: 'POST',
      path: '/tokens',
      body: { name: 'Charset', rights: ['items:read'] },
      headers: { 'Content-Type': 'application/json; charset=UTF-8' },
    });
    expect(response.statusCode).toBe(201);
  });

  it('accepts emoji in names', async () => {
    const token = await createToken({ name: 'Sync 🚚' });
    expect(token.name).toBe('Sync 🚚');
  });

  it('treats __proto__ as an unknown field', async () => {
    const response = await call(handlers.create, {
      method: 'POST',
      path: '/tokens',
      rawBody: '{"name":"a","rights":["items:read"],"__proto__":{"rights":["tokens:delete"]}}',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json.errors).toContainEqual({ path: 'body.__proto__', message: 'is not a known field' });
  });

  it('rejects a request without caller context', async () => {
    const response = await call(handlers.get, { caller: null, pathParameters: { id: generateTokenId() } });
    expect(response.statusCode).toBe(401);
  });
});

describe('get, whoami and update', () => {
  it('opens a token without its secret', async () => {
    const created = await createToken();
    const response = await call(handlers.get, { pathParameters: { id: created.id } });

    expect(response.statusCode).toBe(200);
    expect(response.json.id).toBe(created.id);
    expect(response.json.secret).toBeUndefined();
    expect(response.json.secretHash).toBeUndefined();
    expect(response.body).not.toContain(created.secret);
  });

  it('answers 404 for another tenant', async () => {
    const created = await createToken();
    const response = await call(handlers.get, { caller: adminCaller('globex'), pathParameters: { id: created.id } });
    expect(response.statusCode).toBe(404);
  });

  it('answers 400 for a malformed id', async () => {
    const response = await call(handlers.get, { pathParameters: { id: 'tok_../../x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json.errors[0].path).toBe('path.id');
  });

  it('whoami returns the calling token', async () => {
    const created = await createToken();
    const caller = { tenantId: 'acme', tokenId: created.id, rights: ['items:read' as const] };
    const response = await call(handlers.whoami, { caller });

    expect(response.statusCode).toBe(200);
    expect(response.json).toMatchObject({ id: created.id, name: 'Integration', rights: ['items:read'] });
  });

  it('refuses changes with 405 and Allow', async () => {
    const created = await createToken();
    const response = await call(handlers.rejectUpdate, { method: 'PATCH', pathParameters: { id: created.id }, body: { name: 'x' } });

    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('GET, DELETE');
    expect(response.json.detail).toMatch(/cannot be changed/);
  });
});

describe('list tokens', () => {
  it('pages newest first, each token once', async () => {
    const created: string[] = [];
    for (let i = 0; i < 7; i++) created.push((await createToken({ name: `T${i}` })).id);
    await createToken({ name: 'Other tenant' }, adminCaller('globex'));

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const response = await call(handlers.list, { query: { limit: '3', ...(cursor ? { cursor } : {}) } });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toMatch(/secret/i);
      seen.push(...response.json.items.map((token: { id: string }) => token.id));
      cursor = response.json.nextCursor ?? undefined;
      pages++;
    } while (cursor);

    expect(seen).toEqual([...created].reverse());
    expect(pages).toBe(3);
  });

  it('returns no cursor on the last page', async () => {
    await createToken();
    const response = await call(handlers.list, { query: { limit: '1' } });
    expect(response.json.items).toHaveLength(1);
    expect(response.json.nextCursor).toBeNull();
  });

  it.each(['0', '101', '-1', '1.5', 'abc', ''])('rejects limit %j', async (limit) => {
    const response = await call(handlers.list, { query: { limit } });
    expect(response.statusCode).toBe(400);
    expect(response.json.errors[0].path).toBe('query.limit');
  });

  it('rejects another tenant\'s cursor', async () => {
    for (let i = 0; i < 2; i++) await createToken({}, adminCaller('globex'));
    const page = await call(handlers.list, { caller: adminCaller('globex'), query: { limit: '1' } });
    const response = await call(handlers.list, { query: { cursor: page.json.nextCursor } });

    expect(response.statusCode).toBe(400);
    expect(response.json.errors[0]).toEqual({ path: 'query.cursor', message: 'belongs to another tenant' });
  });

  it('rejects unknown query parameters', async () => {
    const response = await call(handlers.list, { query: { sort: 'asc' } });
    expect(response.statusCode).toBe(400);
    expect(response.json.errors[0].path).toBe('query.sort');
  });
});

describe('delete tokens', () => {
  it('deletes once, then answers 404', async () => {
    const created = await createToken();

    const first = await call(handlers.delete, { method: 'DELETE', pathParameters: { id: created.id } });
    const second = await call(handlers.delete, { method: 'DELETE', pathParameters: { id: created.id } });

    expect(first.statusCode).toBe(204);
    expect(first.body).toBe('');
    expect(second.statusCode).toBe(404);
    expect(flushCount).toBe(1);
    expect(await snapshotTable(testStore.documentClient, tableName)).toEqual([]);
    expect(await repository.findGrant(hashSecret(created.secret))).toBeUndefined();
  });

  it('keeps another tenant\'s token', async () => {
    const created = await createToken({}, adminCaller('globex'));
    const response = await call(handlers.delete, { method: 'DELETE', pathParameters: { id: created.id } });

    expect(response.statusCode).toBe(404);
    expect(await repository.getToken('globex', created.id)).toBeDefined();
  });

  it('logs a failed cache flush and still deletes', async () => {
    const created = await createToken();
    failFlush = true;

    const response = await call(handlers.delete, { method: 'DELETE', pathParameters: { id: created.id } });

    expect(response.statusCode).toBe(204);
    const flushError = logLines.map((line) => JSON.parse(line)).find((entry) => entry.message.startsWith('authorizer cache flush failed'));
    expect(flushError).toMatchObject({ level: 'error', tokenIds: [created.id] });
  });

  it('bulk delete reports deleted and not found', async () => {
    const first = await createToken();
    const second = await createToken();
    const unknown = generateTokenId();

    const response = await call(handlers.bulkDelete, {
      method: 'POST',
      path: '/tokens/delete',
      body: { ids: [first.id, unknown, second.id, first.id] },
    });

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted.sort()).toEqual([first.id, second.id].sort());
    expect(response.json.notFound).toEqual([unknown]);
    expect(flushCount).toBe(1);
    expect(await snapshotTable(testStore.documentClient, tableName)).toEqual([]);
  });

  it('bulk delete handles 100 ids in two transactions', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await createToken({ name: `Bulk ${i}` })).id);
    while (ids.length < 100) ids.push(generateTokenId());

    const response = await call(handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', body: { ids } });

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted).toHaveLength(60);
    expect(response.json.notFound).toHaveLength(40);
    expect(await snapshotTable(testStore.documentClient, tableName)).toEqual([]);
  });

  it.each([
    ['no ids', { ids: [] }, 'body.ids'],
    ['101 ids', { ids: Array.from({ length: 101 }, () => generateTokenId()) }, 'body.ids'],
    ['malformed id', { ids: ['tok_1'] }, 'body.ids[0]'],
    ['ids as string', { ids: 'tok_1' }, 'body.ids'],
    ['extra field', { ids: [generateTokenId()], force: true }, 'body.force'],
  ])('bulk delete rejects %s', async (_case, body, path) => {
    const created = await createToken();
    const response = await call(handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', body });

    expect(response.statusCode).toBe(400);
    expect(response.json.errors.map((error: { path: string }) => error.path)).toContain(path);
    expect(await repository.getToken('acme', created.id)).toBeDefined();
  });
});
