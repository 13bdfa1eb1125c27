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
const BASE62_VALUES = buildBase62Values();
const CRC32_TABLE = buildCrc32Table();

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
 * The checksum is derived from the presented string and guards against typing errors,
 * not guessing, so comparing it as a number is safe. The stored hash, which does guard
 * the token, is compared in constant time by the authorizer.
 *
 * The authorizer calls this on every request, and for a rejected token it is most of
 * the work. So it makes one pass over the characters with no regular expression, no
 * allocation and no native call. It checks the base62 charset while it computes the
 * CRC32 of the entropy part, then decodes the 6 checksum characters to the number
 * they encode. Every number below 62^6 has exactly one 6-character base62 form, so
 * comparing numbers accepts the same strings as comparing the encoded checksum.
 */
export function isWellFormedSecret(candidate: string): boolean {
  if (candidate.length !== SECRET_LENGTH || !candidate.startsWith(SECRET_PREFIX)) return false;

  const entropyEnd = SECRET_PREFIX.length + ENTROPY_LENGTH;
  let crc = 0xffffffff;
  for (let i = SECRET_PREFIX.length; i < entropyEnd; i++) {
    const code = candidate.charCodeAt(i);
    if (base62Value(code) < 0) return false;
    crc = (CRC32_TABLE[(crc ^ code) & 0xff] ?? 0) ^ (crc >>> 8);
  }

  let presented = 0;
  for (let i = entropyEnd; i < SECRET_LENGTH; i++) {
    const value = base62Value(candidate.charCodeAt(i));
    if (value < 0) return false;
    presented = presented * 62 + value;
  }
  return presented === (crc ^ 0xffffffff) >>> 0;
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

/** Returns the value of a base62 character code, or -1 for any other code. */
function base62Value(code: number): number {
  return code < BASE62_VALUES.length ? (BASE62_VALUES[code] ?? -1) : -1;
}

function buildBase62Values(): Int8Array {
  const values = new Int8Array(128).fill(-1);
  for (let i = 0; i < BASE62.length; i++) values[BASE62.charCodeAt(i)] = i;
  return values;
}

/**
 * Builds the table of the reflected CRC32 with polynomial 0xEDB88320, the CRC that
 * zlib.crc32 computes. generateSecret keeps using zlib.crc32, so a test that checks
 * generated secrets also checks that the two implementations agree.
 */
function buildCrc32Table(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
