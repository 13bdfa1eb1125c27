/**
 * The single-table layout. Every access is by key.
 *
 * | item     | PK                 | SK             | contains                                 |
 * |----------|--------------------|----------------|------------------------------------------|
 * | lookup   | `SECRET#<sha256>`  | `SECRET`       | tenant, token id, rights, expiry          |
 * | metadata | `TENANT#<tenant>`  | `TOKEN#<id>`   | every public field and the secret hash    |
 *
 * The authorizer reads the lookup item by the hash of the presented secret. Admin
 * operations read metadata items inside the caller's tenant partition, and token ids
 * are ULIDs, so a descending Query returns the newest first. Both items of a token
 * are written and deleted in one transaction. `expiresAtEpoch` is the table's TTL
 * attribute, in seconds.
 */
export const PARTITION_KEY = 'PK';
export const SORT_KEY = 'SK';
export const TTL_ATTRIBUTE = 'expiresAtEpoch';

export const LOOKUP_SORT_KEY = 'SECRET';
export const TOKEN_SORT_PREFIX = 'TOKEN#';

export function lookupKey(secretHash: string): Record<string, string> {
  return { [PARTITION_KEY]: `SECRET#${secretHash}`, [SORT_KEY]: LOOKUP_SORT_KEY };
}

export function tenantPartition(tenantId: string): string {
  return `TENANT#${tenantId}`;
}

export function metadataKey(tenantId: string, tokenId: string): Record<string, string> {
  return { [PARTITION_KEY]: tenantPartition(tenantId), [SORT_KEY]: TOKEN_SORT_PREFIX + tokenId };
}
