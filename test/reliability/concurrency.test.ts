/**
 * Concurrency over real HTTP: many clients at once against the local gateway, the real
 * authorizer and handlers, and the real local store. The local store serializes writes
 * (one lock for transactions and single-item writes), so these tests show that the
 * service's conditions and transactions give correct results when requests interleave,
 * not how DynamoDB behaves under load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../support/service';
import { findInvariantViolations } from '../support/invariants';
import { startTestStore, type TestStore } from '../support/store';
import { mapWithConcurrency, seedToken } from '../support/tokens';

const TENANTS = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e'];
const CREATES_PER_TENANT = 100;
// The local store serializes writes, so a long queue can push a transaction past the
// admin client's 1 s request timeout. The SDK then retries with the same
// ClientRequestToken, which the store handles as DynamoDB does, without applying it twice.
const MAX_IN_FLIGHT = 50;
// Small enough that the racing writes of one round stay well inside the request timeout.
const RACE_ROUNDS = 4;
const RACE_TOKENS = 20;

let store: TestStore;
let service: TestService;

beforeAll(async () => {
  store = await startTestStore();
  service = await startTestService(store);
});

afterAll(async () => {
  await service?.close();
  await store?.close();
});

interface Created {
  tenantId: string;
  id: string;
  secret: string;
}

async function json<T>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** Walks every page of GET /tokens and returns the ids in the order listed, with every status seen. */
async function listAll(secret: string, limit = 100): Promise<{ ids: string[]; statuses: number[] }> {
  const ids: string[] = [];
  const statuses: number[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const query = cursor === null ? `limit=${limit}` : `limit=${limit}&cursor=${cursor}`;
    const response = await service.call(`/tokens?${query}`, { secret });
    statuses.push(response.status);
    if (response.status !== 200) break;
    const body = await json<{ items: { id: string }[]; nextCursor: string | null }>(response);
    ids.push(...body.items.map((item) => item.id));
    cursor = body.nextCursor;
    if (cursor === null) break;
  }
  return { ids, statuses };
}

describe('parallel creates across tenants', () => {
  const admins = new Map<string, string>();
  let created: Created[] = [];
  let statuses: number[] = [];

  beforeAll(async () => {
    for (const tenantId of TENANTS) admins.set(tenantId, (await service.bootstrap(tenantId)).secret);

    const requests = TENANTS.flatMap((tenantId) =>
      Array.from({ length: CREATES_PER_TENANT }, (_, index) => ({ tenantId, name: `${tenantId} token ${index}` })),
    );
    const results = await mapWithConcurrency(requests, MAX_IN_FLIGHT, async ({ tenantId, name }) => {
      const response = await service.call('/tokens', {
        method: 'POST',
        secret: admins.get(tenantId) ?? '',
        json: { name, rights: ['items:read'] },
      });
      const body = await json<{ id?: string; secret?: string }>(response);
      return { status: response.status, tenantId, id: body.id ?? '', secret: body.secret ?? '' };
    });
    statuses = results.map((result) => result.status);
    created = results.map(({ tenantId, id, secret }) => ({ tenantId, id, secret }));
  });

  it('every create returns 201', () => {
    expect(statuses).toHaveLength(TENANTS.length * CREATES_PER_TENANT);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);
  });

  it('ids and secrets are distinct', () => {
    expect(new Set(created.map((token) => token.id)).size).toBe(created.length);
    expect(new Set(created.map((token) => token.secret)).size).toBe(created.length);
  });

  it('each tenant lists its own once', async () => {
    const owner = new Map(created.map((token) => [token.id, token.tenantId]));

    for (const tenantId of TENANTS) {
      const { ids, statuses: listStatuses } = await listAll(admins.get(tenantId) ?? '');
      expect(listStatuses.every((status) => status === 200)).toBe(true);

      const expected = created.filter((token) => token.tenantId === tenantId).map((token) => token.id);
      const listedCreated = ids.filter((id) => owner.has(id));
      expect(listedCreated.sort()).toEqual([...expected].sort());
      expect(new Set(ids).size).toBe(ids.length);
      // Besides its own creates, a tenant lists only its bootstrap admin token.
      expect(ids.length).toBe(expected.length + 1);
    }
  });

  it('each secret resolves to its token', async () => {
    const mismatches = await mapWithConcurrency(created, MAX_IN_FLIGHT, async (token) => {
      const response = await service.call('/whoami', { secret: token.secret });
      const body = await json<{ id?: string; tenantId?: string }>(response);
      return response.status === 200 && body.id === token.id && body.tenantId === token.tenantId ? null : token.id;
    });
    expect(mismatches.filter((id) => id !== null)).toEqual([]);
  });

  it('table keeps its invariant', async () => {
    expect(await findInvariantViolations(store.documentClient, service.tableName)).toEqual([]);
  });
});

describe('racing deletes', () => {
  let adminSecret: string;

  beforeAll(async () => {
    adminSecret = (await service.bootstrap('racing')).secret;
  });

  it('20 deletes of one id', async () => {
    for (let round = 0; round < 5; round++) {
      const { token } = await seedToken(service.repository, { tenantId: 'racing', name: `Contested ${round}` });

      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => (await service.call(`/tokens/${token.id}`, { method: 'DELETE', secret: adminSecret })).status),
      );

      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      expect(statuses.filter((status) => status === 404)).toHaveLength(19);
      expect(await service.repository.getToken('racing', token.id)).toBeUndefined();
    }
  });

  it('bulk and single deletes agree', async () => {
    type Outcome = { status: number; deleted: string[]; notFound: string[]; failed: string[]; requested: string[] };

    for (let round = 0; round < RACE_ROUNDS; round++) {
      const ids: string[] = [];
      for (let i = 0; i < RACE_TOKENS; i++) {
        ids.push((await seedToken(service.repository, { tenantId: 'racing', name: `Raced ${round}.${i}` })).token.id);
      }

      // Two overlapping halves and the whole set, raced by one single delete per id.
      const bulkRequests = [ids.slice(0, 12), ids.slice(8), ids];
      const bulkDeletes = bulkRequests.map(async (requested): Promise<Outcome> => {
        const response = await service.call('/tokens/delete', { method: 'POST', secret: adminSecret, json: { ids: requested } });
        const body = await json<{ deleted?: string[]; notFound?: string[]; failed?: string[] }>(response);
        return { status: response.status, deleted: body.deleted ?? [], notFound: body.notFound ?? [], failed: body.failed ?? [], requested };
      });
      const singleDeletes = ids.map(async (id): Promise<Outcome> => {
        const response = await service.call(`/tokens/${id}`, { method: 'DELETE', secret: adminSecret });
        const deleted = response.status === 204 ? [id] : [];
        const notFound = response.status === 404 ? [id] : [];
        return { status: response.status, deleted, notFound, failed: [], requested: [id] };
      });
      const outcomes = await Promise.all([...bulkDeletes, ...singleDeletes]);

      for (const outcome of outcomes) {
        expect([200, 204, 404]).toContain(outcome.status);
        expect(outcome.failed).toEqual([]);
        // Each response accounts for each id it was given exactly once.
        expect([...outcome.deleted, ...outcome.notFound].sort()).toEqual([...outcome.requested].sort());
      }
      const deletions = outcomes.flatMap((outcome) => outcome.deleted);
      expect(deletions.sort()).toEqual([...ids].sort());
      expect(await findInvariantViolations(store.documentClient, service.tableName)).toEqual([]);
    }
  });

  it('listing while deleting never fails', async () => {
    const lister = (await service.bootstrap('listing')).secret;
    const ids: string[] = [];
    for (let i = 0; i < 80; i++) ids.push((await seedToken(service.repository, { tenantId: 'listing', name: `Listed ${i}` })).token.id);

    let deleting = true;
    const deletes = mapWithConcurrency(ids, 10, async (id) => {
      const response = await service.call(`/tokens/${id}`, { method: 'DELETE', secret: lister });
      return response.status;
    }).finally(() => {
      deleting = false;
    });

    const walks: { ids: string[]; statuses: number[] }[] = [];
    for (let walk = 0; walk < 200 && (deleting || walks.length < 3); walk++) walks.push(await listAll(lister, 7));
    const deleteStatuses = await deletes;

    expect(deleteStatuses.filter((status) => status !== 204)).toEqual([]);
    expect(walks.length).toBeGreaterThanOrEqual(3);
    for (const walk of walks) {
      expect(walk.statuses.filter((status) => status !== 200)).toEqual([]);
      expect(new Set(walk.ids).size).toBe(walk.ids.length);
      expect(walk.ids).toEqual([...walk.ids].sort().reverse());
    }
    const afterDeletes = await listAll(lister, 7);
    expect(afterDeletes.ids.filter((id) => ids.includes(id))).toEqual([]);
  });
});
