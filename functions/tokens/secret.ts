import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The token secret format: `rmt_` + 43 base62 characters of entropy + 6 base62
 * characters of checksum, 53 characters in all.
 *
 * - The `rmt_` prefix lets secret scanners recognise RentMagic tokens.
 * - 43 base62 characters carry 43 × log2(62) ≈ 256.03 bits from the CSPRNG.
 * - The checksum is the CRC32 of the entropy part, in base62 padded to 6 characters,
 *   so mistyped or made-up strings are rejected before any store call.
 *
 * Only the SHA-256 hash of the whole secret is ever stored.
 */
export const SECRET_PREFIX = 'rmt_';
export const ENTROPY_LENGTH = 43;
export const CHECKSUM_LENGTH = 6;
export const SECRET_LENGTH = SECRET_PREFIX.length + ENTROPY_LENGTH + CHECKSUM_LENGTH;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_PATTERN = /^rmt_[0-9A-Za-z]{49}$/;

/** The largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely. */
const UNBIASED_BYTE_LIMIT = 62 * 4;

export function generateSecret(): string {
  let entropy = '';
  while (entropy.length < ENTROPY_LENGTH) {
    for (const byte of randomBytes(64)) {
      if (byte >= UNBIASED_BYTE_LIMIT) continue;
      entropy += BASE62[byte % 62];
      if (entropy.length === ENTROPY_LENGTH) break;
    }
  }
  return SECRET_PREFIX + entropy + checksumOf(entropy);
}

/**
 * Checks the shape and checksum of a presented secret without touching the store.
 * The checksum is compared in constant time.
 */
export function isWellFormedSecret(candidate: string): boolean {
  if (candidate.length !== SECRET_LENGTH || !SECRET_PATTERN.test(candidate)) return false;

  const entropyEnd = SECRET_PREFIX.length + ENTROPY_LENGTH;
  const expected = checksumOf(candidate.slice(SECRET_PREFIX.length, entropyEnd));
  return constantTimeEqual(expected, candidate.slice(entropyEnd));
}

/** Returns the SHA-256 of the secret as lower-case hex: the only form that is stored. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Returns the non-secret hint shown in listings, such as `rmt_...x9Qa`. */
export function hintOf(secret: string): string {
  return `${SECRET_PREFIX}...${secret.slice(-4)}`;
}

/** Compares two ASCII strings in time that depends only on their length. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'latin1');
  const right = Buffer.from(b, 'latin1');
  return left.length === right.length && timingSafeEqual(left, right);
}

function checksumOf(entropy: string): string {
  let value = crc32(entropy);
  let encoded = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded;
}
