/**
 * Security properties over real HTTP against the local gateway, which runs the real
 * authorizer and handlers on the real local store. The suite covers tenant isolation, the
 * rights of every route, privilege escalation, indistinguishable 401s, and the absence of
 * secrets in stored items and log lines.
 *
 * Every log line of the suite is captured: the gateway's own log through its sink, and the
 * functions' and the local store's JSON lines by replacing process.stdout.write and
 * process.stderr.write while the suite runs. The functions log at debug level here, so the
 * scan covers every line they can write.
 */
import { readFileSync } from 'node:fs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizer } from '../../functions/authorizer';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../../functions/http/problems';
import { ROUTES, type Route } from '../../functions/routes';
import { generateTokenId } from '../../functions/tokens/ids';
import { TokenRepository } from '../../functions/tokens/repository';
import { ALL_RIGHTS, type Right } from '../../functions/tokens/rights';
import { constantTimeEqual, generateSecret, hashSecret } from '../../functions/tokens/secret';
import { lookupKey } from '../../functions/tokens/table';
import { capturingLogger } from '../support/events';
import { sendExact, type ExactResponse } from '../support/http-client';
import { captureProcessOutput, type OutputCapture } from '../support/output-capture';
import { startTestService, type TestService } from '../support/service';
import { startTestStore, type TestStore } from '../support/store';
import { snapshotTable } from '../support/table-snapshot';
import { seedToken } from '../support/tokens';

let store: TestStore;
let service: TestService;
const secrets = new Set<string>();
let output: OutputCapture | undefined;
let previousLogLevel: string | undefined;

function remember(secret: string): string {
  secrets.add(secret);
  return secret;
}

beforeAll(async () => {
  previousLogLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'debug';
  output = captureProcessOutput();
  store = await startTestStore();
  service = await startTestService(store, { logLevel: 'debug' });
});

afterAll(async () => {
  await service?.close();
  await store?.close();
  output?.restore();
  if (previousLogLevel === undefined) delete process.env.LOG_LEVEL;
  else process.env.LOG_LEVEL = previousLogLevel;
});

async function bootstrap(tenantId: string): Promise<string> {
  return remember((await service.bootstrap(tenantId)).secret);
}

async function createToken(adminSecret: string, rights: string[], name = 'Security test'): Promise<{ id: string; secret: string }> {
  const created = await service.createToken(adminSecret, rights, name);
  remember(created.secret);
  return created;
}

function request(secret: string | undefined, method: string, target: string, body?: unknown): Promise<ExactResponse> {
  const headers: [string, string][] = secret === undefined ? [] : [['Authorization', `Bearer ${secret}`]];
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  return sendExact(service.url, { method, target, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

function snapshot(): Promise<Record<string, unknown>[]> {
  return snapshotTable(store.documentClient, service.tableName);
}

describe('tenant isolation', () => {
  interface Tenant {
    id: string;
    admin: string;
    tokenId: string;
    cursor: string;
  }
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    for (const id of ['iso-acme', 'iso-globex']) {
      const admin = await bootstrap(id);
      const token = await createToken(admin, ['items:read'], `${id} token`);
      await createToken(admin, ['items:read'], `${id} second`);
      const page = await request(admin, 'GET', '/tokens?limit=1');
      tenants.push({ id, admin, tokenId: token.id, cursor: page.json.nextCursor as string });
    }
  });

  type Probe = [name: string, send: (caller: Tenant, victim: Tenant) => Promise<ExactResponse>, check: (response: ExactResponse, victim: Tenant) => void];

  const probes: Probe[] = [
    ['get by id', (caller, victim) => request(caller.admin, 'GET', `/tokens/${victim.tokenId}`), (response) => expect(response.status).toBe(404)],
    ['delete by id', (caller, victim) => request(caller.admin, 'DELETE', `/tokens/${victim.tokenId}`), (response) => expect(response.status).toBe(404)],
    [
      'bulk delete',
      (caller, victim) => request(caller.admin, 'POST', '/tokens/delete', { ids: [victim.tokenId] }),
      (response, victim) => {
        expect(response.status).toBe(200);
        expect(response.json.deleted).toEqual([]);
        expect(response.json.notFound).toEqual([victim.tokenId]);
      },
    ],
    [
      'list with cursor',
      (caller, victim) => request(caller.admin, 'GET', `/tokens?cursor=${victim.cursor}`),
      (response) => {
        expect(response.status).toBe(400);
        expect(response.json.errors).toEqual([{ path: 'query.cursor', message: 'belongs to another tenant' }]);
      },
    ],
    [
      'list without cursor',
      (caller) => request(caller.admin, 'GET', '/tokens?limit=100'),
      (response, victim) => {
        expect(response.status).toBe(200);
        expect(response.json.items.map((item: { id: string }) => item.id)).not.toContain(victim.tokenId);
        expect(response.json.items.map((item: { tenantId: string }) => item.tenantId)).not.toContain(victim.id);
      },
    ],
    [
      'create with tenantId field',
      (caller, victim) => request(caller.admin, 'POST', '/tokens', { name: 'Planted', rights: ['items:read'], tenantId: victim.id }),
      (response) => {
        expect(response.status).toBe(400);
        expect(response.json.errors.map((error: { path: string }) => error.path)).toContain('body.tenantId');
      },
    ],
    ['update by id', (caller, victim) => request(caller.admin, 'PATCH', `/tokens/${victim.tokenId}`, { name: 'x' }), (response) => expect(response.status).toBe(405)],
  ];

  it.for(probes)('%s crosses no tenant', async ([, send, check]) => {
    for (const [caller, victim] of [
      [tenants[0], tenants[1]],
      [tenants[1], tenants[0]],
    ] as const) {
      if (!caller || !victim) throw new Error('tenants were not set up');
      const before = await snapshot();

      const response = await send(caller, victim);

      check(response, victim);
      expect(await snapshot()).toEqual(before);
      expect((await request(victim.admin, 'GET', `/tokens/${victim.tokenId}`)).status).toBe(200);
    }
  });
});

describe('rights matrix', () => {
  let admin: string;
  const singleRight = new Map<Right, string>();
  let readableId: string;

  beforeAll(async () => {
    admin = await bootstrap('matrix');
    readableId = (await createToken(admin, ['items:read'], 'Readable')).id;
    for (const right of ALL_RIGHTS) singleRight.set(right, (await createToken(admin, [right], `Only ${right}`)).secret);
  });

  /** Sends the request a client with the right would send to the route, and returns the status on success. */
  async function callRoute(route: Route, secret: string, right: Right): Promise<{ response: ExactResponse; success: number }> {
    const path = route.path.replace('{id}', route.path.startsWith('/tokens') ? readableId : '42');
    switch (`${route.method} ${route.path}`) {
      case 'POST /tokens':
        return { response: await request(secret, 'POST', path, { name: 'Matrix child', rights: [right] }), success: 201 };
      case 'POST /tokens/delete':
        return { response: await request(secret, 'POST', path, { ids: [generateTokenId()] }), success: 200 };
      case 'DELETE /tokens/{id}': {
        const victim = await seedToken(service.repository, { tenantId: 'matrix', name: 'Matrix victim' });
        remember(victim.secret);
        return { response: await request(secret, 'DELETE', `/tokens/${victim.token.id}`), success: 204 };
      }
      case 'PUT /tokens/{id}':
      case 'PATCH /tokens/{id}':
        return { response: await request(secret, route.method, path, { name: 'x' }), success: 405 };
      default:
        return { response: await request(secret, route.method, path, route.method === 'GET' || route.method === 'DELETE' ? undefined : {}), success: 200 };
    }
  }

  it.for(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))('%s needs exactly its right', async ([, route]) => {
    for (const right of ALL_RIGHTS) {
      const secret = singleRight.get(right) ?? '';
      const allowed = route.right === null || route.right === right;

      const { response, success } = await callRoute(route, secret, right);
      if (typeof response.json?.secret === 'string') remember(response.json.secret);

      expect({ right, status: response.status }).toEqual({ right, status: allowed ? success : 403 });
      if (!allowed) {
        expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
        expect(response.json.type).toBe(problemTypeUri(403));
      }
    }
  });

  it('matrix covers every route', () => {
    expect(ROUTES.length).toBeGreaterThanOrEqual(8 + 5 * 6);
    expect(singleRight.size).toBe(ALL_RIGHTS.length);
  });
});

describe('privilege escalation', () => {
  let creator: string;

  beforeAll(async () => {
    const admin = await bootstrap('escalation');
    creator = (await createToken(admin, ['tokens:create', 'items:read'], 'Limited creator')).secret;
  });

  it.for([
    ['a right it lacks', ['items:write'], 403],
    ['held plus lacking', ['items:read', 'items:write'], 403],
    ['lacking right twice', ['items:write', 'items:write'], 403],
    ['held right duplicated with lacking', ['items:read', 'items:read', 'tokens:delete'], 403],
    ['token admin rights', ['tokens:read', 'tokens:delete'], 403],
    ['upper-case variant', ['ITEMS:WRITE'], 400],
    ['title-case variant', ['items:read', 'Items:Write'], 400],
    ['wildcard', ['*'], 400],
    ['area wildcard', ['items:*'], 400],
    ['padded variant', ['items:write '], 400],
  ] as const)('rejects %s', async ([, rights, status]) => {
    const before = await snapshot();

    const response = await request(creator, 'POST', '/tokens', { name: 'Escalation', rights });

    expect(response.status).toBe(status);
    expect(await snapshot()).toEqual(before);
  });

  it('names the missing rights', async () => {
    const response = await request(creator, 'POST', '/tokens', { name: 'Escalation', rights: ['items:read', 'orders:write', 'orders:write'] });
    expect(response.status).toBe(403);
    expect(response.json.missingRights).toEqual(['orders:write']);
  });

  it('grants held rights, deduplicated', async () => {
    const response = await request(creator, 'POST', '/tokens', { name: 'Child', rights: ['items:read', 'tokens:create', 'items:read'] });
    expect(response.status).toBe(201);
    expect(response.json.rights).toEqual(['tokens:create', 'items:read']);
    remember(response.json.secret as string);
  });

  it('child cannot exceed its creator', async () => {
    const child = await createToken(creator, ['tokens:create'], 'Create-only child');

    const response = await request(child.secret, 'POST', '/tokens', { name: 'Grandchild', rights: ['items:read'] });

    expect(response.status).toBe(403);
    expect(response.json.missingRights).toEqual(['items:read']);
  });

  it('child cannot outlive its creator', async () => {
    const admin = await bootstrap('expiry-chain');
    const soon = new Date(Date.now() + 3_600_000).toISOString();
    const creatorResponse = await request(admin, 'POST', '/tokens', { name: 'Short-lived', rights: ['tokens:create'], expiresAt: soon });
    const shortLived = creatorResponse.json.secret as string;
    remember(shortLived);

    const withoutExpiry = await request(shortLived, 'POST', '/tokens', { name: 'Long-lived', rights: ['tokens:create'] });
    const later = new Date(Date.parse(soon) + 60_000).toISOString();
    const expiringLater = await request(shortLived, 'POST', '/tokens', { name: 'Later', rights: ['tokens:create'], expiresAt: later });
    const sameTime = await request(shortLived, 'POST', '/tokens', { name: 'Same', rights: ['tokens:create'], expiresAt: soon });

    expect(withoutExpiry.status).toBe(403);
    expect(withoutExpiry.json.errors[0].path).toBe('body.expiresAt');
    expect(expiringLater.status).toBe(403);
    expect(sameTime.status).toBe(201);
    expect(sameTime.json.expiresAt).toBe(soon);
    remember(sameTime.json.secret as string);
  });
});

describe('indistinguishable 401 responses', () => {
  const IGNORED_HEADERS = new Set(['x-amzn-requestid', 'date']);

  function comparable(response: ExactResponse): { status: number; headers: Record<string, unknown>; body: Record<string, unknown> } {
    const headers = Object.fromEntries(Object.entries(response.headers).filter(([name]) => !IGNORED_HEADERS.has(name)));
    const { requestId: _requestId, ...body } = response.json as Record<string, unknown>;
    return { status: response.status, headers, body };
  }

  it('all invalid tokens look alike', async () => {
    const admin = await bootstrap('unauthorized');
    const expired = await seedToken(service.repository, { tenantId: 'unauthorized', expiresAt: '2021-06-01T00:00:00.000Z' });
    remember(expired.secret);
    const deleted = await createToken(admin, ['items:read'], 'Deleted later');
    // The deleted token is first cached by a successful call, then deleted through the API.
    expect((await request(deleted.secret, 'GET', '/whoami')).status).toBe(200);
    expect((await request(admin, 'DELETE', `/tokens/${deleted.id}`)).status).toBe(204);

    const responses = {
      malformed: await request('rmt_not-a-token', 'GET', '/whoami'),
      wrongChecksum: await request(`${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`, 'GET', '/whoami'),
      unknown: await request(generateSecret(), 'GET', '/whoami'),
      expired: await request(expired.secret, 'GET', '/whoami'),
      deleted: await request(deleted.secret, 'GET', '/whoami'),
      missing: await request(undefined, 'GET', '/whoami'),
    };

    const reference = comparable(responses.malformed);
    expect(reference.status).toBe(401);
    for (const [kind, response] of Object.entries(responses)) {
      expect({ kind, ...comparable(response) }).toEqual({ kind, ...reference });
      expect(response.json.requestId).toBe(response.headers['x-amzn-requestid']);
    }
  });
});

describe('constant-time comparison', () => {
  it('constantTimeEqual compares exactly', () => {
    const hash = hashSecret(generateSecret());
    const other = hashSecret(generateSecret());
    expect(constantTimeEqual(hash, hash)).toBe(true);
    expect(constantTimeEqual(hash, other)).toBe(false);
    expect(constantTimeEqual(hash, hash.slice(0, -1))).toBe(false);
    expect(constantTimeEqual(hash, `${hash.slice(0, -1)}${hash.endsWith('0') ? '1' : '0'}`)).toBe(false);
  });

  it('constantTimeEqual uses timingSafeEqual', () => {
    expect(constantTimeEqual.toString()).toContain('timingSafeEqual');
  });

  it('authorizer compares hashes constant-time', () => {
    const source = readFileSync(new URL('../../functions/authorizer.ts', import.meta.url), 'utf8');
    expect(source).toMatch(/constantTimeEqual\(grant\.secretHash, secretHash\)/);
    expect(source).not.toMatch(/secretHash\s*[!=]==|[!=]==\s*secretHash/);
  });

  it('authorizer rejects mismatched stored hash', async () => {
    const tableName = await store.createTable();
    const repository = new TokenRepository(store.documentClient, tableName);
    const { secret } = await seedToken(repository);
    remember(secret);
    const authorize = createAuthorizer({ repository, logger: capturingLogger().logger });
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:local:000000000000:local/local/GET/whoami',
      headers: { Authorization: `Bearer ${secret}` },
      multiValueHeaders: { Authorization: [`Bearer ${secret}`] },
    } as unknown as APIGatewayRequestAuthorizerEvent;
    await expect(authorize(event)).resolves.toBeDefined();

    // The lookup item is found by its key, but the hash stored in it no longer matches.
    const item = (await snapshotTable(store.documentClient, tableName)).find((candidate) => candidate.SK === 'SECRET');
    await store.documentClient.send(
      new PutCommand({ TableName: tableName, Item: { ...item, ...lookupKey(hashSecret(secret)), secretHash: hashSecret(generateSecret()) } }),
    );

    await expect(authorize(event)).rejects.toThrow(/^Unauthorized$/);
  });
});

describe('secrets at rest and in logs', () => {
  it('no secret in table or logs', async () => {
    const items = JSON.stringify(await snapshot());
    const processOutput = output?.chunks ?? [];
    const logs = [...service.logLines, ...processOutput].join('\n');
    const entropyParts = [...secrets].map((secret) => secret.slice(4, 47));

    expect(secrets.size).toBeGreaterThan(ALL_RIGHTS.length);
    expect(service.logLines.length).toBeGreaterThan(100);
    expect(processOutput.some((line) => line.includes('"message":"token created"'))).toBe(true);
    expect(processOutput.some((line) => line.includes('"message":"request completed"'))).toBe(true);
    expect([...secrets].filter((secret) => items.includes(secret))).toEqual([]);
    expect([...secrets].filter((secret) => logs.includes(secret))).toEqual([]);
    expect(entropyParts.filter((part) => logs.includes(part) || items.includes(part))).toEqual([]);
  });
});
