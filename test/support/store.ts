import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { startLocalStore, type LocalStore } from '../../local/store';
import { ensureTable } from '../../local/table';

export const LOCAL_CLIENT_CONFIG = {
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
};

export interface TestStore {
  store: LocalStore;
  client: DynamoDBClient;
  documentClient: DynamoDBDocumentClient;
  /** Creates a fresh table and returns its name, so tests sharing one store stay apart. */
  createTable(): Promise<string>;
  close(): Promise<void>;
}

/** Starts a real local store (dynalite with transactions) for one test file. */
export async function startTestStore(): Promise<TestStore> {
  const store = await startLocalStore();
  const client = new DynamoDBClient({ ...LOCAL_CLIENT_CONFIG, endpoint: store.endpoint });
  const documentClient = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

  return {
    store,
    client,
    documentClient,
    async createTable() {
      const tableName = `tokens-${randomUUID()}`;
      await ensureTable(client, tableName);
      return tableName;
    },
    async close() {
      client.destroy();
      await store.close();
    },
  };
}
