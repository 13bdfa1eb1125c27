import { randomBytes } from 'node:crypto';

/**
 * Token ids: `tok_` + a ULID (48-bit millisecond time, then 80 random bits, in
 * Crockford base32). Ids sort by creation time, so a descending key query lists
 * the newest token first. Within one millisecond this process increments the
 * random part, so ids it creates stay in creation order.
 */
export const TOKEN_ID_PREFIX = 'tok_';
export const TOKEN_ID_PATTERN = /^tok_[0-9A-HJKMNP-TV-Z]{26}$/;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_BYTES = 10;

let lastTime = -1;
let lastRandom = Buffer.alloc(RANDOM_BYTES);

export function generateTokenId(now: number = Date.now()): string {
  if (now <= lastTime) {
    incrementInPlace(lastRandom);
  } else {
    lastTime = now;
    lastRandom = randomBytes(RANDOM_BYTES);
  }
  return TOKEN_ID_PREFIX + encodeTime(lastTime) + encodeRandom(lastRandom);
}

export function isTokenId(value: string): boolean {
  return TOKEN_ID_PATTERN.test(value);
}

function encodeTime(time: number): string {
  let encoded = '';
  let remaining = time;
  for (let i = 0; i < 10; i++) {
    encoded = CROCKFORD[remaining % 32] + encoded;
    remaining = Math.floor(remaining / 32);
  }
  return encoded;
}

/** Encodes 80 bits as 16 base32 characters, 5 bits each, most significant first. */
function encodeRandom(bytes: Buffer): string {
  let value = BigInt('0x' + bytes.toString('hex'));
  let encoded = '';
  for (let i = 0; i < 16; i++) {
    encoded = CROCKFORD[Number(value & 31n)] + encoded;
    value >>= 5n;
  }
  return encoded;
}

function incrementInPlace(bytes: Buffer): void {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const next = (bytes[i] ?? 0) + 1;
    bytes[i] = next & 0xff;
    if (next <= 0xff) return;
  }
}
