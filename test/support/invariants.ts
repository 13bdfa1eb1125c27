import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LOOKUP_SORT_KEY, TOKEN_SORT_PREFIX, lookupKey, metadataKey } from '../../functions/tokens/table';
import { snapshotTable } from './table-snapshot';

/**
 * Checks the table invariant that the service's transactions keep. Every lookup item
 * (`SECRET#<hash>`) has the metadata item (`TENANT#<tenant>` / `TOKEN#<id>`) it points to.
 * Every metadata item has the lookup item of its secret hash, and the two agree on tenant,
 * token id, rights and expiry. Returns one line per violation, so `toEqual([])` shows them all.
 */
export async function findInvariantViolations(client: DynamoDBDocumentClient, tableName: string): Promise<string[]> {
  const items = await snapshotTable(client, tableName);
  const byKey = new Map(items.map((item) => [keyOf(item), item]));
  const violations: string[] = [];

  for (const item of items) {
    const pk = String(item.PK);
    const sk = String(item.SK);

    if (pk.startsWith('SECRET#') && sk === LOOKUP_SORT_KEY) {
      const metadata = byKey.get(keyOf(metadataKey(String(item.tenantId), String(item.tokenId))));
      if (!metadata) {
        violations.push(`lookup ${pk} has no metadata item for ${String(item.tenantId)}/${String(item.tokenId)}`);
        continue;
      }
      violations.push(...differences(item, metadata, pk));
      continue;
    }

    if (pk.startsWith('TENANT#') && sk.startsWith(TOKEN_SORT_PREFIX)) {
      const lookup = byKey.get(keyOf(lookupKey(String(item.secretHash))));
      if (!lookup) violations.push(`metadata ${pk}/${sk} has no lookup item`);
      else if (lookup.tokenId !== item.id || lookup.tenantId !== item.tenantId) {
        violations.push(`metadata ${pk}/${sk} shares its lookup item with ${String(lookup.tenantId)}/${String(lookup.tokenId)}`);
      }
      continue;
    }

    violations.push(`unexpected item ${pk}/${sk}`);
  }
  return violations;
}

function keyOf(item: Record<string, unknown>): string {
  return `${String(item.PK)}|${String(item.SK)}`;
}

function differences(lookup: Record<string, unknown>, metadata: Record<string, unknown>, label: string): string[] {
  const found: string[] = [];
  if (metadata.secretHash !== lookup.secretHash) found.push(`lookup ${label} and its metadata item differ in secretHash`);
  if (JSON.stringify(metadata.rights) !== JSON.stringify(lookup.rights)) {
    found.push(`lookup ${label} and its metadata item differ in rights`);
  }
  if (metadata.expiresAt !== lookup.expiresAt) found.push(`lookup ${label} and its metadata item differ in expiresAt`);
  return found;
}
