import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSecret } from '../functions/tokens/secret';
import { PROBLEM_CONTENT_TYPE, problemTypeUri, type ProblemStatus } from '../functions/http/problems';
import { MAX_PAYLOAD_BYTES } from '../local/gateway-responses';
import { isInvokeAllowed, readAuthorizerOutput } from '../local/iam-policy';
import { startTestStore, type TestStore } from './support/store';
import { snapshotTable } from './support/table-snapshot';
import { closedPort, rawRequest, startTestService, type TestService } from './support/service';

const ALLOWED_ORIGIN = 'https://admin.rentmagic.example';
const SECOND_ORIGIN = 'https://portal.rentmagic.example';
const LONG_TTL_SECONDS = 3600;

let store: TestStore;
let service: TestService;
let adminSecret: string;

beforeAll(async () => {
  store = await startTestStore();
  service = await startTestService(store, { cacheTtlSeconds: LONG_TTL_SECONDS, corsOrigins: [ALLOWED_ORIGIN, SECOND_ORIGIN] });
  adminSecret = (await service.bootstrap('acme')).secret;
});

afterAll(async () => {
  await service?.close();
  await store?.close();
});

function invocations(target: TestService = service): number {
  return target.gateway.stats().authorizerInvocations;
}

async function expectProblem(response: Response, status: ProblemStatus): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body.type).toBe(problemTypeUri(status));
  expect(body.status).toBe(status);
  expect(body.requestId).toBe(response.headers.get('x-amzn-requestid'));
  return body;
}

describe('identity source', () => {
  it('missing header is 401 without authorizer', async () => {
    const before = invocations();

    const response = await service.call('/whoami');

    const problem = await expectProblem(response, 401);
    expect(problem.detail).toContain('Authorization: Bearer');
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(invocations()).toBe(before);
    const entry = service.logEntries().find((line) => line.requestId === problem.requestId);
    expect(entry?.authorizer).toBe('skipped');
    expect(entry?.gatewayResponse).toBe('UNAUTHORIZED');
  });

  it('empty header is 401 without authorizer', async () => {
    const before = invocations();

    const response = await service.call('/whoami', { headers: { Authorization: '' } });

    await expectProblem(response, 401);
    expect(invocations()).toBe(before);
  });

  it('malformed token is 401 problem', async () => {
    const before = invocations();

    const response = await service.call('/whoami', { secret: 'rmt_not-a-real-token' });

    await expectProblem(response, 401);
    expect(invocations()).toBe(before + 1);
  });

  it('repeated Authorization header is 401', async () => {
    const response = await rawRequest(`${service.url}/whoami`, 'GET', [
      ['Authorization', `Bearer ${adminSecret}`],
      ['authorization', `Bearer ${adminSecret}`],
    ]);

    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ status: 401 });
  });

  it('header name in any case works', async () => {
    const response = await rawRequest(`${service.url}/whoami`, 'GET', [['AUTHORIZATION', `Bearer ${adminSecret}`]]);

    expect(response.status).toBe(200);
  });
});

describe('routing', () => {
  it('unknown path is 404 problem', async () => {
    const before = invocations();

    const response = await service.call('/nothing-here', { secret: adminSecret });

    const problem = await expectProblem(response, 404);
    expect(problem.detail).toContain('No route matches');
    expect(invocations()).toBe(before);
  });

  it('unknown method is 404 problem', async () => {
    const response = await service.call('/tokens', { method: 'DELETE', secret: adminSecret });

    await expectProblem(response, 404);
  });

  it('literal resource wins over parameter', async () => {
    // /tokens/delete has only POST; API Gateway does not fall back to GET /tokens/{id}.
    const response = await service.call('/tokens/delete', { secret: adminSecret });

    await expectProblem(response, 404);
  });

  it('PATCH is 405 with Allow', async () => {
    const { id } = await service.createToken(adminSecret, ['items:read']);

    const response = await service.call(`/tokens/${id}`, { method: 'PATCH', secret: adminSecret, json: { name: 'x' } });

    await expectProblem(response, 405);
    expect(response.headers.get('allow')).toBe('GET, DELETE');
  });

  it('path parameter is percent-decoded', async () => {
    const { id } = await service.createToken(adminSecret, ['items:read']);
    const encodedId = id.replace('_', '%5F');

    const response = await service.call(`/tokens/${encodedId}`, { secret: adminSecret });

    expect(response.status).toBe(200);
    expect(((await response.json()) as { id: string }).id).toBe(id);
  });

  it('encoded slash stays in segment', async () => {
    const response = await service.call('/tokens/tok_a%2Fb', { secret: adminSecret });

    // The handler validated "tok_a/b" as the id: the route matched, the value did not.
    const problem = await expectProblem(response, 400);
    expect(JSON.stringify(problem.errors)).toContain('path.id');
  });

  it('malformed percent-encoding is 400', async () => {
    const response = await service.call('/items/%E0%A4%A', { secret: adminSecret });

    await expectProblem(response, 400);
  });
});

describe('policy', () => {
  it('token lacking a right is 403 problem', async () => {
    const reader = await service.createToken(adminSecret, ['items:read']);

    const response = await service.call('/tokens', { secret: reader.secret });

    const problem = await expectProblem(response, 403);
    expect(problem.detail).toContain('right this route needs');
  });

  it('resource route echoes the caller', async () => {
    const reader = await service.createToken(adminSecret, ['items:read']);

    const response = await service.call('/items/item-7', { secret: reader.secret });

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      route: 'GET /items/{id}',
      tenantId: 'acme',
      tokenId: reader.id,
      rights: ['items:read'],
    });
  });

  it('resource route needs its right', async () => {
    const reader = await service.createToken(adminSecret, ['items:read']);

    await expectProblem(await service.call('/items', { method: 'POST', secret: reader.secret, json: {} }), 403);
    await expectProblem(await service.call('/orders', { secret: reader.secret }), 403);
  });

  it('handlers receive string context', async () => {
    const reader = await service.createToken(adminSecret, ['orders:read']);

    const response = await service.call('/whoami', { secret: reader.secret });

    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.id).toBe(reader.id);
    expect(body.rights).toEqual(['orders:read']);
  });

  it('non-string context is invalid output', () => {
    const check = readAuthorizerOutput({
      principalId: 'tok_1',
      policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' }] },
      context: { tenantId: 'acme', count: 3 },
    });

    expect(check).toEqual({ ok: false, reason: expect.stringContaining('"count"') as unknown });
  });

  it('explicit Deny wins over Allow', () => {
    const check = readAuthorizerOutput({
      principalId: 'tok_1',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:local:000000000000:local/local/*' },
          { Effect: 'Deny', Action: 'execute-api:*', Resource: 'arn:aws:execute-api:*:*:local/local/DELETE/tokens/*' },
        ],
      },
    });
    if (!check.ok) throw new Error(check.reason);

    const arn = (method: string, path: string) => `arn:aws:execute-api:local:000000000000:local/local/${method}${path}`;
    expect(isInvokeAllowed(check.grant.statements, arn('GET', '/tokens/tok_1'))).toBe(true);
    expect(isInvokeAllowed(check.grant.statements, arn('DELETE', '/tokens/tok_1'))).toBe(false);
    expect(isInvokeAllowed(check.grant.statements, 'arn:aws:execute-api:local:000000000000:other/local/GET/tokens')).toBe(false);
  });
});

describe('authorizer cache', () => {
  it('second call within TTL uses cache', async () => {
    const reader = await service.createToken(adminSecret, ['items:read']);
    const before = invocations();

    const first = await service.call('/items', { secret: reader.secret });
    const second = await service.call('/items/1', { secret: reader.secret });

    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(invocations()).toBe(before + 1);
    const secondEntry = service.logEntries().find((line) => line.requestId === second.headers.get('x-amzn-requestid'));
    expect(secondEntry?.authorizer).toBe('cached');
  });

  it('delete flushes cache at once', async () => {
    const doomed = await service.createToken(adminSecret, ['items:read']);
    expect((await service.call('/items', { secret: doomed.secret })).status).toBe(200);
    const flushesBefore = service.gateway.stats().cacheFlushes;

    const deleted = await service.call(`/tokens/${doomed.id}`, { method: 'DELETE', secret: adminSecret });

    expect(deleted.status).toBe(204);
    expect(service.gateway.stats().cacheFlushes).toBe(flushesBefore + 1);
    await expectProblem(await service.call('/items', { secret: doomed.secret }), 401);
  });

  it('bulk delete flushes cache', async () => {
    const doomed = await service.createToken(adminSecret, ['items:read']);
    expect((await service.call('/items', { secret: doomed.secret })).status).toBe(200);

    const deleted = await service.call('/tokens/delete', { method: 'POST', secret: adminSecret, json: { ids: [doomed.id] } });

    expect(deleted.status).toBe(200);
    await expectProblem(await service.call('/items', { secret: doomed.secret }), 401);
  });

  it('flush endpoint rejects other stages', async () => {
    const response = await fetch(`${service.gateway.managementApi.endpoint}/restapis/other/stages/local/cache/authorizers`, {
      method: 'DELETE',
    });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('NotFoundException');
  });
});

describe('broken flush endpoint', () => {
  const ttlSeconds = 2;
  let broken: TestService;
  let brokenAdmin: string;

  beforeAll(async () => {
    broken = await startTestService(store, { cacheTtlSeconds: ttlSeconds });
    brokenAdmin = (await broken.bootstrap('acme')).secret;
  });

  afterAll(async () => {
    await broken?.close();
  });

  it('deleted token works until TTL', async () => {
    const doomed = await broken.createToken(brokenAdmin, ['items:read']);
    const cachedAt = Date.now();
    expect((await broken.call('/items', { secret: doomed.secret })).status).toBe(200);
    await broken.gateway.managementApi.close();

    // The functions log to standard output: capture it to see the failed flush reported.
    const written: string[] = [];
    const capture = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    let deleted: Response;
    try {
      deleted = await broken.call(`/tokens/${doomed.id}`, { method: 'DELETE', secret: brokenAdmin });
    } finally {
      capture.mockRestore();
    }

    expect(deleted.status).toBe(204);
    expect(broken.gateway.stats().cacheFlushes).toBe(0);
    expect(written.join('')).toContain('authorizer cache flush failed');
    expect((await broken.call('/items', { secret: doomed.secret })).status).toBe(200);

    let status = 200;
    while (status === 200 && Date.now() - cachedAt < (ttlSeconds + 2) * 1000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await broken.call('/items', { secret: doomed.secret })).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - cachedAt).toBeGreaterThanOrEqual(ttlSeconds * 1000 - 100);
  });
});

describe('gateway responses', () => {
  it('CORS preflight skips authorizer', async () => {
    const before = invocations();

    const response = await service.call('/tokens/tok_1', {
      method: 'OPTIONS',
      headers: { Origin: ALLOWED_ORIGIN, 'Access-Control-Request-Method': 'DELETE' },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,DELETE,PUT,PATCH');
    expect(response.headers.get('access-control-allow-headers')).toBe('Authorization,Content-Type');
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toBe('Origin');
    expect(invocations()).toBe(before);
  });

  it('preflight echoes a later allowed origin', async () => {
    const response = await service.call('/tokens', { method: 'OPTIONS', headers: { Origin: SECOND_ORIGIN } });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SECOND_ORIGIN);
  });

  it('preflight from other origin names the first', async () => {
    const response = await service.call('/tokens', { method: 'OPTIONS', headers: { Origin: 'https://elsewhere.example' } });

    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
  });

  it('preflight on unknown path is 404', async () => {
    const response = await service.call('/nothing-here', { method: 'OPTIONS', headers: { Origin: ALLOWED_ORIGIN } });

    await expectProblem(response, 404);
  });

  it('gateway response carries CORS headers', async () => {
    const response = await service.call('/whoami', { headers: { Origin: SECOND_ORIGIN } });

    await expectProblem(response, 401);
    expect(response.headers.get('access-control-allow-origin')).toBe(SECOND_ORIGIN);
    expect(response.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(response.headers.get('vary')).toBe('Origin');
  });

  it('body over 10 MB is 413', async () => {
    const response = await fetch(`${service.url}/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminSecret}`, 'Content-Type': 'application/json' },
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20),
    });

    await expectProblem(response, 413);
  });

  it('log lines never hold a secret', async () => {
    const lines = service.logLines.join('\n');

    expect(lines).not.toContain(adminSecret);
    expect(lines).not.toMatch(/rmt_[0-9A-Za-z]{49}/);
    expect(lines.toLowerCase()).not.toContain('bearer');
    const requestLines = service.logEntries().filter((entry) => entry.message === 'request handled');
    expect(requestLines.length).toBeGreaterThan(10);
    for (const entry of requestLines) {
      expect(Object.keys(entry)).toEqual(expect.arrayContaining(['requestId', 'method', 'path', 'status', 'latencyMs', 'authorizer']));
    }
  });
});

describe('request body', () => {
  it('byte order mark reaches the handler', async () => {
    const before = await snapshotTable(store.documentClient, service.tableName);
    const json = Buffer.from(JSON.stringify({ name: 'With BOM', rights: ['items:read'] }), 'utf8');

    // API Gateway passes the bytes on unchanged, so the handler receives the mark and rejects the JSON.
    const response = await fetch(`${service.url}/tokens`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminSecret}`, 'Content-Type': 'application/json' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]),
    });

    const problem = await expectProblem(response, 400);
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'body' })]);
    expect(await snapshotTable(store.documentClient, service.tableName)).toEqual(before);
  });
});

describe('failures and limits', () => {
  let unreachableStore: TestService;
  let throttled: TestService;

  beforeAll(async () => {
    unreachableStore = await startTestService(store, { dynamodbEndpoint: `http://127.0.0.1:${await closedPort()}` });
    throttled = await startTestService(store, { throttle: { rateLimit: 0.01, burstLimit: 2 } });
  });

  afterAll(async () => {
    await unreachableStore?.close();
    await throttled?.close();
  });

  it('store fault is 503 with Retry-After', async () => {
    const response = await unreachableStore.call('/whoami', { secret: generateSecret() });

    await expectProblem(response, 503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('authorizer failure is not cached', async () => {
    const secret = generateSecret();
    const before = invocations(unreachableStore);

    await unreachableStore.call('/whoami', { secret });
    await unreachableStore.call('/whoami', { secret });

    expect(invocations(unreachableStore)).toBe(before + 2);
  });

  it('burst past the limit is 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await throttled.call('/whoami')).status);

    expect(statuses).toEqual([401, 401, 429]);
  });
});
