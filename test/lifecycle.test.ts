import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_LENGTH } from '../functions/tokens/secret';
import { startTestStore, type TestStore } from './support/store';
import { startTestService, type TestService } from './support/service';

/** A token's whole life over HTTP, as an admin and an integrator see it. */
const SECRET_FORMAT = /^rmt_[0-9A-Za-z]{49}$/;

let store: TestStore;
let service: TestService;

beforeAll(async () => {
  store = await startTestStore();
  // A long TTL, so the 401 right after the delete can only come from the flush.
  service = await startTestService(store, { cacheTtlSeconds: 3600 });
});

afterAll(async () => {
  await service?.close();
  await store?.close();
});

interface TokenBody {
  id: string;
  tenantId: string;
  name: string;
  rights: string[];
  hint: string;
  createdBy: string;
  secret?: string;
}

describe('token lifecycle', () => {
  it('runs from bootstrap to bulk delete', async () => {
    const admin = await service.bootstrap('lifecycle', 'Lifecycle admin');

    // Create a token that may only read items.
    const created = await service.call('/tokens', {
      method: 'POST',
      secret: admin.secret,
      json: { name: 'Warehouse sync', rights: ['items:read'] },
    });
    expect(created.status).toBe(201);
    const token = (await created.json()) as TokenBody;
    expect(created.headers.get('location')).toBe(`/tokens/${token.id}`);
    expect(token.secret).toMatch(SECRET_FORMAT);
    expect(token.secret).toHaveLength(SECRET_LENGTH);
    expect(token.createdBy).toBe(admin.token.id);
    const secret = token.secret as string;

    // The new token learns who it is, without its secret.
    const whoami = await service.call('/whoami', { secret });
    expect(whoami.status).toBe(200);
    const self = (await whoami.json()) as TokenBody;
    expect(self.id).toBe(token.id);
    expect(self).not.toHaveProperty('secret');
    expect(self.hint).toBe(`rmt_...${secret.slice(-4)}`);

    // It may not manage tokens.
    expect((await service.call('/tokens', { secret })).status).toBe(403);

    // The admin lists and opens it; no secret appears anywhere.
    const listed = await service.call('/tokens', { secret: admin.secret });
    expect(listed.status).toBe(200);
    const listText = await listed.text();
    expect(listText).not.toContain('"secret"');
    expect(listText).not.toContain(secret);
    const list = JSON.parse(listText) as { items: TokenBody[] };
    expect(list.items.map((item) => item.id)).toContain(token.id);

    const opened = await service.call(`/tokens/${token.id}`, { secret: admin.secret });
    expect(opened.status).toBe(200);
    const openedText = await opened.text();
    expect(openedText).not.toContain('"secret"');
    expect((JSON.parse(openedText) as TokenBody).rights).toEqual(['items:read']);

    // Tokens cannot be changed.
    const patched = await service.call(`/tokens/${token.id}`, { method: 'PATCH', secret: admin.secret, json: { name: 'x' } });
    expect(patched.status).toBe(405);

    // Delete it: its very next call fails although its policy was cached a moment ago.
    expect((await service.call('/items', { secret })).status).toBe(200);
    const deleted = await service.call(`/tokens/${token.id}`, { method: 'DELETE', secret: admin.secret });
    expect(deleted.status).toBe(204);
    expect((await service.call('/items', { secret })).status).toBe(401);
    expect((await service.call(`/tokens/${token.id}`, { secret: admin.secret })).status).toBe(404);

    // Bulk delete reports each id.
    const fresh = await service.createToken(admin.secret, ['orders:read'], 'Fresh');
    const bulk = await service.call('/tokens/delete', {
      method: 'POST',
      secret: admin.secret,
      json: { ids: [token.id, fresh.id] },
    });
    expect(bulk.status).toBe(200);
    expect(await bulk.json()).toEqual({ deleted: [fresh.id], notFound: [token.id] });
    expect((await service.call('/whoami', { secret: fresh.secret })).status).toBe(401);
  });
});

describe('listing', () => {
  it('pages through every token newest first', async () => {
    const admin = await service.bootstrap('paging', 'Paging admin');
    const createdIds: string[] = [];
    for (let i = 1; i <= 7; i++) {
      createdIds.push((await service.createToken(admin.secret, ['items:read'], `Token ${i}`)).id);
    }

    const seen: string[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${encodeURIComponent(cursor)}`;
      const response = await service.call(`/tokens${query}`, { secret: admin.secret });
      expect(response.status).toBe(200);
      const page = (await response.json()) as { items: TokenBody[]; nextCursor: string | null };
      pageSizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor !== null && pageSizes.length < 10);

    // Seven tokens plus the admin token, newest first.
    expect(pageSizes).toEqual([3, 3, 2]);
    expect(seen).toEqual([...createdIds].reverse().concat(admin.token.id));
    expect(new Set(seen).size).toBe(seen.length);
  });
});
