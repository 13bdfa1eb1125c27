import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SECRET_LENGTH,
  SECRET_PREFIX,
  constantTimeEqual,
  generateSecret,
  hashSecret,
  hintOf,
  isWellFormedSecret,
} from '../functions/tokens/secret';

describe('generateSecret', () => {
  it('has prefix, length and base62 body', () => {
    const secret = generateSecret();
    expect(secret.startsWith(SECRET_PREFIX)).toBe(true);
    expect(secret).toHaveLength(SECRET_LENGTH);
    expect(secret.slice(SECRET_PREFIX.length)).toMatch(/^[0-9A-Za-z]{49}$/);
  });

  it('passes its own checksum', () => {
    for (let i = 0; i < 200; i++) expect(isWellFormedSecret(generateSecret())).toBe(true);
  });

  it('never repeats across many secrets', () => {
    const secrets = new Set(Array.from({ length: 2000 }, generateSecret));
    expect(secrets.size).toBe(2000);
  });

  it('uses every base62 character about equally', () => {
    const counts = new Map<string, number>();
    const samples = 2000;
    for (let i = 0; i < samples; i++) {
      for (const character of generateSecret().slice(SECRET_PREFIX.length, SECRET_PREFIX.length + 43)) {
        counts.set(character, (counts.get(character) ?? 0) + 1);
      }
    }
    const expected = (samples * 43) / 62;
    expect(counts.size).toBe(62);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(expected * 0.8);
      expect(count).toBeLessThan(expected * 1.2);
    }
  });
});

describe('isWellFormedSecret', () => {
  const valid = generateSecret();

  it.each([
    ['empty string', ''],
    ['prefix only', SECRET_PREFIX],
    ['wrong prefix', 'ghp_' + valid.slice(4)],
    ['upper-case prefix', 'RMT_' + valid.slice(4)],
    ['one character short', valid.slice(0, -1)],
    ['one character long', valid + 'a'],
    ['character outside base62', valid.slice(0, 10) + '-' + valid.slice(11)],
    ['trailing space', valid + ' '],
    ['non-ASCII letter', valid.slice(0, 10) + 'é' + valid.slice(11)],
  ])('rejects %s', (_case, candidate) => {
    expect(isWellFormedSecret(candidate)).toBe(false);
  });

  it('rejects any single changed character', () => {
    for (let position = SECRET_PREFIX.length; position < valid.length; position++) {
      const original = valid[position];
      const replacement = original === 'a' ? 'b' : 'a';
      const mistyped = valid.slice(0, position) + replacement + valid.slice(position + 1);
      expect(isWellFormedSecret(mistyped), `position ${position}`).toBe(false);
    }
  });

  it('rejects two swapped neighbours', () => {
    const body = valid.slice(SECRET_PREFIX.length, SECRET_PREFIX.length + 43);
    const index = [...body].findIndex((character, i) => character !== body[i + 1]);
    const swapped = body.slice(0, index) + body[index + 1] + body[index] + body.slice(index + 2);
    expect(isWellFormedSecret(SECRET_PREFIX + swapped + valid.slice(-6))).toBe(false);
  });
});

describe('hashSecret and hintOf', () => {
  it('hashes with SHA-256 hex', () => {
    const secret = generateSecret();
    expect(hashSecret(secret)).toBe(createHash('sha256').update(secret).digest('hex'));
  });

  it('hint shows prefix and last four only', () => {
    const secret = generateSecret();
    const hint = hintOf(secret);
    expect(hint).toBe(`rmt_...${secret.slice(-4)}`);
    expect(secret.includes(hint)).toBe(false);
  });
});

describe('constantTimeEqual', () => {
  it('compares equal and unequal strings', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});
