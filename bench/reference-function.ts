import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { AUTHORIZER_CLIENT_SETTINGS, createDocumentClient } from '../functions/shared/dynamodb';
import { lookupKey } from '../functions/tokens/table';

/**
 * The baseline function of items 3a to 3c: only the authorizer's store read, one
 * consistent GetItem, with the same client factory and settings. Bundled with the
 * production settings, it shows what the SDK client alone costs in size and start time.
 */
const tableName = process.env.TABLE_NAME;
const client = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, process.env.DYNAMODB_ENDPOINT);

export async function handler(event: { secretHash: string }): Promise<Record<string, unknown> | undefined> {
  const result = await client.send(new GetCommand({ TableName: tableName, Key: lookupKey(event.secretHash), ConsistentRead: true }));
  return result.Item;
}
