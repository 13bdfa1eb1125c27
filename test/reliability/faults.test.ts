/**
 * Fault tests: every store call site of the service under throttling, internal errors,
 * timeouts, cancelled transactions and unprocessed keys, plus a failing cache flush.
 *
 * The store is the real local store, reached through the real SDK with the production
 * client settings (functions/shared/dynamodb.ts), and the handlers and the authorizer are
 * the production factories. The local store cannot throttle, fail, time out or cancel a
 * transaction on purpose, so those faults come from test/support/faults.ts: SDK middleware
 * on the real client that replaces one attempt's response with the error DynamoDB sends.
 * That middleware is the only fake here. A store that never responds, a store that refuses
 * connections and a failing API Gateway management API are real local servers on 127.0.0.1.
 */
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createAuthorizer, type Authorizer } from '../../functions/authorizer';
import { createCreateTokenHandler } from '../../functions/create-token';
import { createDeleteTokenHandler } from '../../functions/delete-token';
import { createDeleteTokensHandler } from '../../functions/delete-tokens';
import { createGetTokenHandler } from '../../functions/get-token';
import { createListTokensHandler } from '../../functions/list-tokens';
import { createWhoamiHandler } from '../../functions/whoami';
import { RETRY_AFTER_SECONDS, type HttpHandler } from '../../functions/http/handler';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../../functions/http/problems';
import { createAuthorizerCacheFlusher, type AuthorizerCacheFlusher } from '../../functions/shared/authorizer-cache';
import { readEnvironment } from '../../functions/shared/config';
import {
  ADMIN_CLIENT_SETTINGS,
  AUTHORIZER_CLIENT_SETTINGS,
  createDocumentClient,
  type ClientSettings,
} from '../../functions/shared/dynamodb';
import { generateTokenId } from '../../functions/tokens/ids';
import { DEFAULT_RETRY_POLICY, TokenRepository } from '../../functions/tokens/repository';
import { AUTHORIZER_TIMEOUT_MS, HANDLER_TIMEOUT_MS } from '../../local/lambda-functions';
import { adminCaller, capturingLogger, LAMBDA_CONTEXT, proxyEvent, type EventOptions } from '../support/events';
import { FaultInjector, type Fault, type StoreOperation } from '../support/faults';
import { findInvariantViolations } from '../support/invariants';
import { captureProcessOutput } from '../support/output-capture';
import { closedPort, startTestService } from '../support/service';
import { startTestStore, type TestStore } from '../support/store';
import { snapshotTable } from '../support/table-snapshot';
import { seedToken, type SeededToken } from '../support/tokens';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:api/v1/GET/whoami';
const PROBLEM_KEYS = ['type', 'title', 'status', 'detail', 'requestId'];
const BULK_LIST_KEYS = ['deleted', 'notFound', 'failed'];

const THROTTLING: Fault = { kind: 'serviceError', name: 'ThrottlingException' };
const THROUGHPUT_EXCEEDED: Fault = { kind: 'serviceError', name: 'ProvisionedThroughputExceededException' };
const INTERNAL_ERROR: Fault = { kind: 'serviceError', name: 'InternalServerError' };
const TIMEOUT: Fault = { kind: 'timeout' };
const TRANSACTION_CONFLICT: Fault = { kind: 'transactionCanceled', code: 'TransactionConflict' };
const TRANSACTION_THROTTLED: Fault = { kind: 'transactionCanceled', code: 'ThrottlingError' };

/** Faults the SDK retries itself, each with the label used in test names. */
const RETRIED_FAULTS: [string, Fault][] = [
  ['ThrottlingException', THROTTLING],
  ['ProvisionedThroughputExceededException', THROUGHPUT_EXCEEDED],
  ['InternalServerError', INTERNAL_ERROR],
  ['TimeoutError', TIMEOUT],
];

let testStore: TestStore;

/** Faults injected per call site in this file, for docs/reliability.md. */
const injectedPerSite = new Map<string, number>();

beforeAll(async () => {
  testStore = await startTestStore();
});

afterAll(async () => {
  await testStore.close();
  if (process.env.RELIABILITY_REPORT) {
    process.stdout.write(`faults injected per call site: ${JSON.stringify(Object.fromEntries(injectedPerSite))}\n`);
  }
});

interface World {
  tableName: string;
  /** A repository on a client without faults, for seeding and checks. */
  seedRepository: TokenRepository;
  adminFaults: FaultInjector;
  authorizerFaults: FaultInjector;
  handlers: Record<'create' | 'list' | 'get' | 'whoami' | 'delete' | 'bulkDelete', HttpHandler>;
  authorize: Authorizer;
  logLines: string[];
  flushCount(): number;
}

/**
 * Builds the functions of one test over a fresh table, each on its own SDK client with the
 * production settings, so tests can run concurrently without sharing faults.
 */
async function createWorld(flush?: AuthorizerCacheFlusher): Promise<World> {
  const tableName = await testStore.createTable();
  const adminClient = createDocumentClient(ADMIN_CLIENT_SETTINGS, testStore.store.endpoint);
  const authorizerClient = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, testStore.store.endpoint);
  onTestFinished(() => {
    adminClient.destroy();
    authorizerClient.destroy();
  });

  const { logger, lines } = capturingLogger();
  let flushes = 0;
  const flushAuthorizerCache: AuthorizerCacheFlusher = async () => {
    flushes++;
    if (flush) await flush();
  };
  const repository = new TokenRepository(adminClient, tableName);
  const dependencies = { repository, logger, corsOrigins: [] };

  return {
    tableName,
    seedRepository: new TokenRepository(testStore.documentClient, tableName),
    adminFaults: new FaultInjector(adminClient),
    authorizerFaults: new FaultInjector(authorizerClient),
    handlers: {
      create: createCreateTokenHandler(dependencies),
      list: createListTokensHandler(dependencies),
      get: createGetTokenHandler(dependencies),
      whoami: createWhoamiHandler(dependencies),
      delete: createDeleteTokenHandler({ ...dependencies, flushAuthorizerCache }),
      bulkDelete: createDeleteTokensHandler({ ...dependencies, flushAuthorizerCache }),
    },
    authorize: createAuthorizer({ repository: new TokenRepository(authorizerClient, tableName), logger }),
    logLines: lines,
    flushCount: () => flushes,
  };
}

type CallResult = APIGatewayProxyResult & { json: any };

async function call(handler: HttpHandler, options: EventOptions): Promise<CallResult> {
  const result = await handler(proxyEvent(options), LAMBDA_CONTEXT);
  return { ...result, json: result.body ? JSON.parse(result.body) : undefined };
}

function bearerEvent(secret: string): APIGatewayRequestAuthorizerEvent {
  const headers = { Authorization: `Bearer ${secret}` };
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    headers,
    multiValueHeaders: { Authorization: [headers.Authorization] },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

function countInjected(site: string, injector: FaultInjector, operation: StoreOperation): void {
  injectedPerSite.set(site, (injectedPerSite.get(site) ?? 0) + injector.injected(operation));
}

/** Text that would reveal internals: SDK error names, the table, keys, stack frames. */
function internalMarkers(world: World): string[] {
  return [
    'Injected',
    'Exception',
    'InternalServerError',
    'TimeoutError',
    'TransactionCanceled',
    'DynamoDB',
    'ETIMEDOUT',
    world.tableName,
    'TENANT#',
    'SECRET#',
    '.ts:',
    '"stack"',
    '"cause"',
  ];
}

/** Checks that a response is a 503 problem with Retry-After, exactly the given extensions and no internals. */
function expectUnavailable(response: CallResult, world: World, extensionKeys: string[] = []): void {
  expect(response.statusCode).toBe(503);
  expect(response.headers?.['Retry-After']).toBe(String(RETRY_AFTER_SECONDS));
  expect(response.headers?.['Content-Type']).toBe(PROBLEM_CONTENT_TYPE);
  expect(response.json.type).toBe(problemTypeUri(503));
  expect(Object.keys(response.json).sort()).toEqual([...PROBLEM_KEYS, ...extensionKeys].sort());
  for (const marker of internalMarkers(world)) expect(response.body).not.toContain(marker);
}

function loggedEntries(world: World): Record<string, unknown>[] {
  return world.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

interface Seeded {
  first: SeededToken;
  second: SeededToken;
  unknownId: string;
}

async function seed(world: World): Promise<Seeded> {
  const first = await seedToken(world.seedRepository, { rights: ['tokens:read', 'items:read'] });
  const second = await seedToken(world.seedRepository, { rights: ['items:read'] });
  return { first, second, unknownId: generateTokenId() };
}

/** One store call site of an admin handler, with the request that reaches it. */
interface AdminCallSite {
  site: string;
  operation: StoreOperation;
  request: (world: World, seeded: Seeded) => Promise<CallResult>;
  /** Status when a single fault was absorbed by a retry. */
  successStatus: number;
}

const ADMIN_CALL_SITES: AdminCallSite[] = [
  {
    site: 'create TransactWriteItems',
    operation: 'TransactWriteItems',
    successStatus: 201,
    request: (world) =>
      call(world.handlers.create, { method: 'POST', path: '/tokens', body: { name: 'Under fault', rights: ['items:read'] } }),
  },
  {
    site: 'list Query',
    operation: 'Query',
    successStatus: 200,
    request: (world) => call(world.handlers.list, { path: '/tokens', query: { limit: '10' } }),
  },
  {
    site: 'get GetItem',
    operation: 'GetItem',
    successStatus: 200,
    request: (world, seeded) => call(world.handlers.get, { path: '/tokens/{id}', pathParameters: { id: seeded.first.token.id } }),
  },
  {
    site: 'whoami GetItem',
    operation: 'GetItem',
    successStatus: 200,
    request: (world, seeded) =>
      call(world.handlers.whoami, { path: '/whoami', caller: { tenantId: 'acme', tokenId: seeded.first.token.id, rights: ['tokens:read'] } }),
  },
  {
    site: 'delete GetItem',
    operation: 'GetItem',
    successStatus: 204,
    request: (world, seeded) =>
      call(world.handlers.delete, { method: 'DELETE', path: '/tokens/{id}', pathParameters: { id: seeded.first.token.id } }),
  },
  {
    site: 'delete TransactWriteItems',
    operation: 'TransactWriteItems',
    successStatus: 204,
    request: (world, seeded) =>
      call(world.handlers.delete, { method: 'DELETE', path: '/tokens/{id}', pathParameters: { id: seeded.first.token.id } }),
  },
];

function bulkDelete(world: World, seeded: Seeded): Promise<CallResult> {
  return call(world.handlers.bulkDelete, {
    method: 'POST',
    path: '/tokens/delete',
    body: { ids: [seeded.first.token.id, seeded.second.token.id, seeded.unknownId] },
  });
}

describe.concurrent('authorizer GetItem faults', () => {
  it.for(RETRIED_FAULTS)('never allows under %s', async ([, fault], { expect }) => {
    const world = await createWorld();
    const { secret } = await seedToken(world.seedRepository);
    world.authorizerFaults.add({ operation: 'GetItem', fault });

    const outcome = world.authorize(bearerEvent(secret));

    await expect(outcome).rejects.toThrow('Token store unavailable');
    await expect(outcome).rejects.not.toThrow(/^Unauthorized$/);
    expect(world.authorizerFaults.attempts('GetItem')).toBe(AUTHORIZER_CLIENT_SETTINGS.maxAttempts);
    const failure = loggedEntries(world).find((entry) => entry.message === 'token check failed: store unavailable');
    expect(failure?.level).toBe('error');
    expect(world.logLines.join('\n')).not.toContain(secret);
    countInjected('authorizer GetItem', world.authorizerFaults, 'GetItem');
  });

  it.for(RETRIED_FAULTS)('allows after one %s', async ([, fault], { expect }) => {
    const world = await createWorld();
    const { token, secret } = await seedToken(world.seedRepository);
    world.authorizerFaults.add({ operation: 'GetItem', fault, times: 1 });

    const result = await world.authorize(bearerEvent(secret));

    expect(result.principalId).toBe(token.id);
    expect(world.authorizerFaults.attempts('GetItem')).toBe(2);
    countInjected('authorizer GetItem', world.authorizerFaults, 'GetItem');
  });
});

describe.concurrent('admin call site faults', () => {
  const cases = ADMIN_CALL_SITES.flatMap((site) => RETRIED_FAULTS.map(([label, fault]) => [site.site, label, site, fault] as const));

  it.for(cases)('%s gives 503 under %s', async ([, label, site, fault], { expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    const before = await snapshotTable(testStore.documentClient, world.tableName);
    world.adminFaults.add({ operation: site.operation, fault });

    const response = await site.request(world, seeded);

    expectUnavailable(response, world);
    expect(world.adminFaults.attempts(site.operation)).toBeLessThanOrEqual(ADMIN_CLIENT_SETTINGS.maxAttempts);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual(before);
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    expect(world.flushCount()).toBe(0);
    const logged = loggedEntries(world).find((entry) => entry.message === 'token store unavailable');
    expect(logged?.level).toBe('error');
    expect(JSON.stringify(logged?.error)).toContain(label);
    countInjected(site.site, world.adminFaults, site.operation);
  });

  it.for(ADMIN_CALL_SITES.map((site) => [site.site, site] as const))('%s recovers from one throttle', async ([, site], { expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    world.adminFaults.add({ operation: site.operation, fault: THROUGHPUT_EXCEEDED, times: 1 });

    const response = await site.request(world, seeded);

    expect(response.statusCode).toBe(site.successStatus);
    expect(world.adminFaults.attempts(site.operation)).toBeGreaterThanOrEqual(2);
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    countInjected(site.site, world.adminFaults, site.operation);
  });
});

describe.concurrent('cancelled transactions', () => {
  it('create gives 503 when cancelled', async ({ expect }) => {
    const world = await createWorld();
    world.adminFaults.add({ operation: 'TransactWriteItems', fault: TRANSACTION_CONFLICT });

    const response = await call(world.handlers.create, {
      method: 'POST',
      path: '/tokens',
      body: { name: 'Cancelled', rights: ['items:read'] },
    });

    expectUnavailable(response, world);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual([]);
    countInjected('create TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });

  it.for([
    ['TransactionConflict', TRANSACTION_CONFLICT],
    ['ThrottlingError', TRANSACTION_THROTTLED],
  ] as const)('delete retries then 503 on %s', async ([, fault], { expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    const before = await snapshotTable(testStore.documentClient, world.tableName);
    world.adminFaults.add({ operation: 'TransactWriteItems', fault });

    const response = await call(world.handlers.delete, {
      method: 'DELETE',
      path: '/tokens/{id}',
      pathParameters: { id: seeded.first.token.id },
    });

    expectUnavailable(response, world);
    expect(world.adminFaults.attempts('TransactWriteItems')).toBe(DEFAULT_RETRY_POLICY.maxRetries + 1);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual(before);
    expect(world.flushCount()).toBe(0);
    countInjected('delete TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });

  it('delete succeeds after one conflict', async ({ expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    world.adminFaults.add({ operation: 'TransactWriteItems', fault: TRANSACTION_CONFLICT, times: 1 });

    const response = await call(world.handlers.delete, {
      method: 'DELETE',
      path: '/tokens/{id}',
      pathParameters: { id: seeded.first.token.id },
    });

    expect(response.statusCode).toBe(204);
    expect(await world.seedRepository.getToken('acme', seeded.first.token.id)).toBeUndefined();
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    expect(world.flushCount()).toBe(1);
    countInjected('delete TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });

  it('create lost response stays whole', async ({ expect }) => {
    const world = await createWorld();
    // The store applies the transaction, then the response is lost and the SDK retries it.
    world.adminFaults.add({ operation: 'TransactWriteItems', fault: { kind: 'timeout', afterApplying: true }, times: 1 });

    const response = await call(world.handlers.create, {
      method: 'POST',
      path: '/tokens',
      body: { name: 'Lost response', rights: ['items:read'] },
    });

    // The store recognises the retry by the ClientRequestToken the SDK adds and returns
    // success without applying it again, as DynamoDB does.
    expect(response.statusCode).toBe(201);
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toHaveLength(2);
    countInjected('create TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });
});

describe.concurrent('bulk delete faults', () => {
  it.for(RETRIED_FAULTS)('BatchGetItem %s lists all failed', async ([, fault], { expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    const before = await snapshotTable(testStore.documentClient, world.tableName);
    world.adminFaults.add({ operation: 'BatchGetItem', fault });

    const response = await bulkDelete(world, seeded);

    expectUnavailable(response, world, BULK_LIST_KEYS);
    expect(response.json.deleted).toEqual([]);
    expect(response.json.notFound).toEqual([]);
    expect(response.json.failed).toEqual([seeded.first.token.id, seeded.second.token.id, seeded.unknownId]);
    expect(world.adminFaults.attempts('BatchGetItem')).toBeLessThanOrEqual(ADMIN_CLIENT_SETTINGS.maxAttempts);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual(before);
    expect(world.flushCount()).toBe(0);
    countInjected('bulk BatchGetItem', world.adminFaults, 'BatchGetItem');
  });

  it.for([...RETRIED_FAULTS, ['TransactionConflict', TRANSACTION_CONFLICT] as [string, Fault]])(
    'TransactWriteItems %s lists failed',
    async ([, fault], { expect }) => {
      const world = await createWorld();
      const seeded = await seed(world);
      const before = await snapshotTable(testStore.documentClient, world.tableName);
      world.adminFaults.add({ operation: 'TransactWriteItems', fault });

      const response = await bulkDelete(world, seeded);

      expectUnavailable(response, world, BULK_LIST_KEYS);
      expect(response.json.deleted).toEqual([]);
      expect(response.json.notFound).toEqual([seeded.unknownId]);
      expect(response.json.failed.sort()).toEqual([seeded.first.token.id, seeded.second.token.id].sort());
      expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual(before);
      expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
      expect(world.flushCount()).toBe(0);
      countInjected('bulk TransactWriteItems', world.adminFaults, 'TransactWriteItems');
    },
  );

  it('UnprocessedKeys never clearing fails all', async ({ expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    const before = await snapshotTable(testStore.documentClient, world.tableName);
    world.adminFaults.add({ operation: 'BatchGetItem', fault: { kind: 'unprocessedKeys', count: 'all' } });

    const response = await bulkDelete(world, seeded);

    expectUnavailable(response, world, BULK_LIST_KEYS);
    expect(response.json.deleted).toEqual([]);
    expect(response.json.notFound).toEqual([]);
    expect(response.json.failed).toEqual([seeded.first.token.id, seeded.second.token.id, seeded.unknownId]);
    expect(world.adminFaults.attempts('BatchGetItem')).toBe(DEFAULT_RETRY_POLICY.maxRetries + 1);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual(before);
    countInjected('bulk BatchGetItem', world.adminFaults, 'BatchGetItem');
  });

  it('UnprocessedKeys on one id splits lists', async ({ expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    // The last requested key, the second token, never comes back.
    world.adminFaults.add({ operation: 'BatchGetItem', fault: { kind: 'unprocessedKeys', count: 1 } });

    const response = await call(world.handlers.bulkDelete, {
      method: 'POST',
      path: '/tokens/delete',
      body: { ids: [seeded.first.token.id, seeded.unknownId, seeded.second.token.id] },
    });

    expectUnavailable(response, world, BULK_LIST_KEYS);
    expect(response.json.deleted).toEqual([seeded.first.token.id]);
    expect(response.json.notFound).toEqual([seeded.unknownId]);
    expect(response.json.failed).toEqual([seeded.second.token.id]);
    expect(await world.seedRepository.getToken('acme', seeded.first.token.id)).toBeUndefined();
    expect(await world.seedRepository.getToken('acme', seeded.second.token.id)).toBeDefined();
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    expect(world.flushCount()).toBe(1);
    countInjected('bulk BatchGetItem', world.adminFaults, 'BatchGetItem');
  });

  it('UnprocessedKeys clearing later succeeds', async ({ expect }) => {
    const world = await createWorld();
    const seeded = await seed(world);
    world.adminFaults.add({ operation: 'BatchGetItem', fault: { kind: 'unprocessedKeys', count: 2 }, times: 2 });

    const response = await bulkDelete(world, seeded);

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted.sort()).toEqual([seeded.first.token.id, seeded.second.token.id].sort());
    expect(response.json.notFound).toEqual([seeded.unknownId]);
    expect(world.adminFaults.attempts('BatchGetItem')).toBe(3);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual([]);
    countInjected('bulk BatchGetItem', world.adminFaults, 'BatchGetItem');
  });

  it('second chunk failing keeps first', async ({ expect }) => {
    const world = await createWorld();
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push((await seedToken(world.seedRepository, { name: `Bulk ${i}` })).token.id);
    // The first transaction (50 tokens) passes; every later one is throttled.
    world.adminFaults.add({ operation: 'TransactWriteItems', fault: THROTTLING, skip: 1 });

    const response = await call(world.handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', body: { ids } });

    expectUnavailable(response, world, BULK_LIST_KEYS);
    expect(response.json.deleted).toHaveLength(50);
    expect(response.json.failed).toHaveLength(10);
    expect(response.json.notFound).toEqual([]);
    expect([...response.json.deleted, ...response.json.failed].sort()).toEqual([...ids].sort());
    const remaining = await snapshotTable(testStore.documentClient, world.tableName);
    expect(remaining).toHaveLength(20);
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    expect(world.flushCount()).toBe(1);
    countInjected('bulk TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });

  it('persistent timeout stays in budget', async ({ expect }) => {
    const world = await createWorld();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await seedToken(world.seedRepository, { name: `Budget ${i}` })).token.id);
    world.adminFaults.add({ operation: 'TransactWriteItems', fault: TIMEOUT });

    const response = await call(world.handlers.bulkDelete, { method: 'POST', path: '/tokens/delete', body: { ids } });

    expectUnavailable(response, world, BULK_LIST_KEYS);
    expect(response.json.failed).toHaveLength(100);
    // Each attempt may wait the full request timeout, so the attempts of one request must
    // fit in the handler's Lambda timeout, or the client gets no lists at all.
    const attempts = world.adminFaults.attempts('TransactWriteItems');
    expect(attempts).toBeLessThanOrEqual(ADMIN_CLIENT_SETTINGS.maxAttempts);
    expect(attempts * ADMIN_CLIENT_SETTINGS.requestTimeoutMs).toBeLessThan(HANDLER_TIMEOUT_MS);
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    countInjected('bulk TransactWriteItems', world.adminFaults, 'TransactWriteItems');
  });
});

/** Starts a local TCP server that accepts connections and reads requests but never responds. */
async function startSilentServer(): Promise<{ endpoint: string; requests(): number; close(): Promise<void> }> {
  let requests = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => {
      if (/^(POST|GET|PUT|DELETE|PATCH) \//.test(chunk.toString('latin1'))) requests++;
    });
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Returns the names along an error's cause chain, outermost first. */
function causeNames(error: unknown): string[] {
  const names: string[] = [];
  for (let current = error; current instanceof Error && names.length < 10; current = current.cause) names.push(current.name);
  return names;
}

/**
 * Worst case of one SDK call: every attempt runs until its request timeout, which
 * @smithy/node-http-handler 4.x counts from the start of the attempt, connecting included,
 * plus the longest backoff between attempts.
 */
function worstCaseMs(settings: ClientSettings): number {
  // The SDK's standard retry strategy waits at most 2^attempt × 500 ms after a throttling
  // error (@smithy/core 3.x, THROTTLING_RETRY_DELAY_BASE) and less after other errors.
  let backoff = 0;
  for (let attempt = 1; attempt < settings.maxAttempts; attempt++) backoff += 2 ** attempt * 500;
  return settings.maxAttempts * Math.max(settings.connectionTimeoutMs, settings.requestTimeoutMs) + backoff;
}

describe.concurrent('SDK timeouts and retries', () => {
  it('authorizer gives up on silent store', async ({ expect }) => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const client = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, silent.endpoint);
    onTestFinished(() => client.destroy());
    const { logger } = capturingLogger();
    const authorize = createAuthorizer({ repository: new TokenRepository(client, 'silent-table'), logger });
    const seeded = await seedToken(new TokenRepository(testStore.documentClient, await testStore.createTable()));

    // Without working request timeouts this call never settles and the test times out.
    const error: unknown = await authorize(bearerEvent(seeded.secret)).catch((reason: unknown) => reason);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Token store unavailable');
    expect(causeNames(error)).toContain('TimeoutError');
    expect(silent.requests()).toBeGreaterThan(0);
    expect(silent.requests()).toBeLessThanOrEqual(AUTHORIZER_CLIENT_SETTINGS.maxAttempts);
  });

  it('admin handler gives up on silent store', async ({ expect }) => {
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const client = createDocumentClient(ADMIN_CLIENT_SETTINGS, silent.endpoint);
    onTestFinished(() => client.destroy());
    const { logger } = capturingLogger();
    const handler = createGetTokenHandler({ repository: new TokenRepository(client, 'silent-table'), logger, corsOrigins: [] });

    const response = await call(handler, { path: '/tokens/{id}', pathParameters: { id: generateTokenId() } });

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe(String(RETRY_AFTER_SECONDS));
    expect(silent.requests()).toBeGreaterThan(0);
    expect(silent.requests()).toBeLessThanOrEqual(ADMIN_CLIENT_SETTINGS.maxAttempts);
  });

  it.for([
    ['authorizer', AUTHORIZER_CLIENT_SETTINGS, AUTHORIZER_TIMEOUT_MS],
    ['admin', ADMIN_CLIENT_SETTINGS, HANDLER_TIMEOUT_MS],
  ] as const)('%s worst case fits Lambda timeout', ([, settings, lambdaTimeoutMs], { expect }) => {
    expect(worstCaseMs(settings)).toBeLessThan(lambdaTimeoutMs);
  });
});

/** Starts a local stand-in for the API Gateway management API that fails every flush in one way. */
async function startFailingManagementApi(
  mode: 'throttled' | 'internal-error' | 'silent',
): Promise<{ endpoint: string; requests(): number; close(): Promise<void> }> {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    if (mode === 'silent') return;
    const [status, type] = mode === 'throttled' ? [429, 'TooManyRequestsException'] : [500, 'InternalFailure'];
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-ErrorType': type });
    res.end(JSON.stringify({ message: 'Injected flush failure' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function flusherFor(endpoint: string): AuthorizerCacheFlusher {
  return createAuthorizerCacheFlusher({
    ...readEnvironment({ TABLE_NAME: 'unused', LOG_LEVEL: 'error' }),
    apigatewayEndpoint: endpoint,
    restApiId: 'local',
    stageName: 'local',
  });
}

// The flusher's client allows two attempts (functions/shared/authorizer-cache.ts).
const FLUSH_MAX_ATTEMPTS = 2;

describe.concurrent('authorizer cache flush faults', () => {
  it.for(['throttled', 'internal-error', 'silent'] as const)('delete succeeds when flush %s', async (mode, { expect }) => {
    const api = await startFailingManagementApi(mode);
    onTestFinished(() => api.close());
    const world = await createWorld(flusherFor(api.endpoint));
    const seeded = await seed(world);

    const response = await call(world.handlers.delete, {
      method: 'DELETE',
      path: '/tokens/{id}',
      pathParameters: { id: seeded.first.token.id },
    });

    expect(response.statusCode).toBe(204);
    expect(await world.seedRepository.getToken('acme', seeded.first.token.id)).toBeUndefined();
    expect(await findInvariantViolations(testStore.documentClient, world.tableName)).toEqual([]);
    const flushError = loggedEntries(world).find((entry) => String(entry.message).startsWith('authorizer cache flush failed'));
    expect(flushError?.level).toBe('error');
    expect(flushError?.tokenIds).toEqual([seeded.first.token.id]);
    expect(api.requests()).toBeGreaterThan(0);
    expect(api.requests()).toBeLessThanOrEqual(FLUSH_MAX_ATTEMPTS);
    injectedPerSite.set('authorizer cache flush', (injectedPerSite.get('authorizer cache flush') ?? 0) + api.requests());
  });

  it('bulk delete succeeds when flush refused', async ({ expect }) => {
    const world = await createWorld(flusherFor(`http://127.0.0.1:${await closedPort()}`));
    const seeded = await seed(world);

    const response = await bulkDelete(world, seeded);

    expect(response.statusCode).toBe(200);
    expect(response.json.deleted.sort()).toEqual([seeded.first.token.id, seeded.second.token.id].sort());
    expect(response.json.notFound).toEqual([seeded.unknownId]);
    expect(await snapshotTable(testStore.documentClient, world.tableName)).toEqual([]);
    const flushError = loggedEntries(world).find((entry) => String(entry.message).startsWith('authorizer cache flush failed'));
    expect(flushError?.level).toBe('error');
  });
});

describe('local gateway store faults', () => {
  // The functions the gateway loads log to standard output; the captured lines are checked.
  const FAILURE_LINE = '"message":"token check failed: store unavailable"';

  it('refused store gives 503 Retry-After', async () => {
    const output = captureProcessOutput();
    onTestFinished(() => output.restore());
    const service = await startTestService(testStore, { dynamodbEndpoint: `http://127.0.0.1:${await closedPort()}`, cacheTtlSeconds: 0 });
    onTestFinished(() => service.close());
    const { secret } = await seedToken(service.repository);

    const response = await service.call('/whoami', { secret });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
    expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.type).toBe(problemTypeUri(503));
    expect(Object.keys(body).sort()).toEqual([...PROBLEM_KEYS].sort());
    expect(JSON.stringify(body)).not.toContain('ECONNREFUSED');
    const entry = service.logEntries().find((line) => line.requestId === body.requestId && line.message === 'request handled');
    expect(entry?.gatewayResponse).toBe('AUTHORIZER_FAILURE');
    expect(output.chunks.filter((chunk) => chunk.includes(FAILURE_LINE))).toHaveLength(1);
    expect(output.chunks.join('')).not.toContain(secret);
  });

  it('silent store gives 503 Retry-After', async () => {
    const output = captureProcessOutput();
    onTestFinished(() => output.restore());
    const silent = await startSilentServer();
    onTestFinished(() => silent.close());
    const service = await startTestService(testStore, { dynamodbEndpoint: silent.endpoint, cacheTtlSeconds: 0 });
    onTestFinished(() => service.close());
    const { secret } = await seedToken(service.repository);

    const response = await service.call('/whoami', { secret });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
    expect(silent.requests()).toBeLessThanOrEqual(AUTHORIZER_CLIENT_SETTINGS.maxAttempts);
    expect(service.gateway.stats().authorizerInvocations).toBe(1);
    expect(output.chunks.filter((chunk) => chunk.includes(FAILURE_LINE) && chunk.includes('TimeoutError'))).toHaveLength(1);
    expect(output.chunks.join('')).not.toContain(secret);
  });
});

