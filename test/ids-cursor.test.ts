import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../functions/tokens/cursor';
import { generateTokenId, isTokenId } from '../functions/tokens/ids';

describe('generateTokenId', () => {
  it('has the tok_ ULID shape', () => {
    const id = generateTokenId();
    expect(isTokenId(id)).toBe(true);
    expect(id).toHaveLength(30);
  });

  it('sorts in creation order', () => {
    const ids = Array.from({ length: 500 }, () => generateTokenId());
    expect([...ids].sort()).toEqual(ids);
  });

  it('sorts by time across milliseconds', () => {
    expect(generateTokenId(1_700_000_000_000) < generateTokenId(1_700_000_000_001)).toBe(true);
  });

  it('rejects ids of another shape', () => {
    for (const candidate of ['', 'tok_', 'tok_01HZZZZZZZZZZZZZZZZZZZZZZI', 'TOK_01HZZZZZZZZZZZZZZZZZZZZZZZ', 'tok_01hzzzzzzzzzzzzzzzzzzzzzzz']) {
      expect(isTokenId(candidate), candidate).toBe(false);
    }
  });
});

describe('cursor', () => {
  const tokenId = generateTokenId();

  it('round-trips within the tenant', () => {
    expect(decodeCursor(encodeCursor('acme', tokenId), 'acme')).toEqual({ ok: true, lastTokenId: tokenId });
  });

  it('rejects a cursor of another tenant', () => {
    const result = decodeCursor(encodeCursor('acme', tokenId), 'globex');
    expect(result).toEqual({ ok: false, reason: 'belongs to another tenant' });
  });

  it('rejects a truncated cursor', () => {
    const cursor = encodeCursor('acme', tokenId);
    expect(decodeCursor(cursor.slice(0, -3), 'acme').ok).toBe(false);
  });

  it('rejects every single-character edit', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (const tenant of ['acme', 'acme-1', 'ab']) {
      const cursor = encodeCursor(tenant, tokenId);
      for (let position = 0; position < cursor.length; position++) {
        for (const replacement of alphabet) {
          if (replacement === cursor[position]) continue;
          const edited = cursor.slice(0, position) + replacement + cursor.slice(position + 1);
          expect(decodeCursor(edited, tenant).ok, `${tenant} position ${position} -> ${replacement}`).toBe(false);
        }
      }
    }
  });

  it('rejects garbage', () => {
    for (const garbage of ['', '!!!', 'a'.repeat(300), 'bm90IGEgY3Vyc29y', '../../etc']) {
      expect(decodeCursor(garbage, 'acme').ok, garbage).toBe(false);
    }
  });
});
