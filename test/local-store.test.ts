import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { startLocalStore, type LocalStore } from '../local/store';

const TABLE_NAME = 'tokens';
const STORE_SCRIPT = fileURLToPath(new URL('../local/store.ts', import.meta.url));

function createClients(endpoint: string): { client: DynamoDBClient; documentClient: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return { client, documentClient: DynamoDBDocumentClient.from(client) };
}

async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
    }),
  );
}

/** Returns what the promise rejected with, or fails the test when it resolved. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('Expected the request to fail, but it succeeded');
}

function cancellationCodes(error: unknown): (string | undefined)[] {
  if (!(error instanceof TransactionCanceledException)) return [];
  return (error.CancellationReasons ?? []).map((reason) => reason.Code);
}

describe('local store', () => {
  let store: LocalStore;
  let client: DynamoDBClient;
  let documentClient: DynamoDBDocumentClient;

  async function getItem(PK: string, SK: string): Promise<Record<string, unknown> | undefined> {
    const output = await documentClient.send(
      new GetCommand({ TableName: TABLE_NAME, Key: { PK, SK }, ConsistentRead: true }),
    );
    return output.Item;
  }

  beforeAll(async () => {
    store = await startLocalStore();
    ({ client, documentClient } = createClients(store.endpoint));
    await createTable(client, TABLE_NAME);
  });

  afterAll(async () => {
    client?.destroy();
    await store?.close();
  });

  it('starts on a loopback endpoint', () => {
    expect(store.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('passes plain operations through', async () => {
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'plain', SK: 'a', count: 1 } }));
    await documentClient.send(
      new UpdateCommand({
        TableName: TABLE_NAME,
        Key: { PK: 'plain', SK: 'a' },
        UpdateExpression: 'SET #count = #count + :one',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
    await documentClient.send(
      new BatchWriteCommand({
        RequestItems: { [TABLE_NAME]: [{ PutRequest: { Item: { PK: 'plain', SK: 'b', count: 5 } } }] },
      }),
    );

    expect(await getItem('plain', 'a')).toEqual({ PK: 'plain', SK: 'a', count: 2 });

    const query = await documentClient.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'plain' },
      }),
    );
    expect(query.Items?.map((item) => item.SK)).toEqual(['a', 'b']);

    const conditionalPut = documentClient.send(
      new PutCommand({
        TableName: TABLE_NAME,
        Item: { PK: 'plain', SK: 'a' },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
    expect(await rejectionOf(conditionalPut)).toBeInstanceOf(ConditionalCheckFailedException);

    await documentClient.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { PK: 'plain', SK: 'a' } }));
    expect(await getItem('plain', 'a')).toBeUndefined();
  });

  it('commits a two-put transaction', async () => {
    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE_NAME, Item: { PK: 'TENANT#t1', SK: 'TOKEN#1', name: 'ci' } } },
          { Put: { TableName: TABLE_NAME, Item: { PK: 'SECRET#h1', SK: 'SECRET', tokenId: '1' } } },
        ],
      }),
    );

    expect(await getItem('TENANT#t1', 'TOKEN#1')).toEqual({ PK: 'TENANT#t1', SK: 'TOKEN#1', name: 'ci' });
    expect(await getItem('SECRET#h1', 'SECRET')).toEqual({ PK: 'SECRET#h1', SK: 'SECRET', tokenId: '1' });
  });

  it('failed put condition writes nothing', async () => {
    await documentClient.send(
      new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'SECRET#taken', SK: 'SECRET', tokenId: 'old' } }),
    );

    const transaction = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE_NAME,
              Item: { PK: 'TENANT#t2', SK: 'TOKEN#2' },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Put: {
              TableName: TABLE_NAME,
              Item: { PK: 'SECRET#taken', SK: 'SECRET', tokenId: 'new' },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
        ],
      }),
    );
    const error = await rejectionOf(transaction);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as Error).name).toBe('TransactionCanceledException');
    expect((error as Error).message).toContain('[None, ConditionalCheckFailed]');
    expect(cancellationCodes(error)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await getItem('TENANT#t2', 'TOKEN#2')).toBeUndefined();
    expect(await getItem('SECRET#taken', 'SECRET')).toEqual({ PK: 'SECRET#taken', SK: 'SECRET', tokenId: 'old' });
  });

  it('failed delete condition restores other', async () => {
    const metadata = { PK: 'TENANT#t3', SK: 'TOKEN#3', name: 'deploy', rights: ['read'] };
    const lookup = { PK: 'SECRET#h3', SK: 'SECRET', tokenId: '3' };
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: metadata }));
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: lookup }));

    const transaction = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: TABLE_NAME, Key: { PK: 'TENANT#t3', SK: 'TOKEN#3' } } },
          {
            Delete: {
              TableName: TABLE_NAME,
              Key: { PK: 'SECRET#h3', SK: 'SECRET' },
              ConditionExpression: 'tokenId = :expected',
              ExpressionAttributeValues: { ':expected': 'another' },
            },
          },
        ],
      }),
    );
    const error = await rejectionOf(transaction);

    expect(cancellationCodes(error)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await getItem('TENANT#t3', 'TOKEN#3')).toEqual(metadata);
    expect(await getItem('SECRET#h3', 'SECRET')).toEqual(lookup);
  });

  it('passing delete conditions remove both', async () => {
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'TENANT#t4', SK: 'TOKEN#4' } }));
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'SECRET#h4', SK: 'SECRET' } }));

    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: TABLE_NAME,
              Key: { PK: 'TENANT#t4', SK: 'TOKEN#4' },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
          {
            Delete: {
              TableName: TABLE_NAME,
              Key: { PK: 'SECRET#h4', SK: 'SECRET' },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
        ],
      }),
    );

    expect(await getItem('TENANT#t4', 'TOKEN#4')).toBeUndefined();
    expect(await getItem('SECRET#h4', 'SECRET')).toBeUndefined();
  });

  it('update action applies and rolls back', async () => {
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'counter', SK: 'x', value: 1 } }));
    const increment = {
      Update: {
        TableName: TABLE_NAME,
        Key: { PK: 'counter', SK: 'x' },
        UpdateExpression: 'SET #value = #value + :one',
        ExpressionAttributeNames: { '#value': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
      },
    };

    await documentClient.send(new TransactWriteCommand({ TransactItems: [increment] }));
    expect(await getItem('counter', 'x')).toEqual({ PK: 'counter', SK: 'x', value: 2 });

    const failing = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          increment,
          {
            Put: {
              TableName: TABLE_NAME,
              Item: { PK: 'counter', SK: 'y' },
              ConditionExpression: 'attribute_exists(PK)',
            },
          },
        ],
      }),
    );
    expect(cancellationCodes(await rejectionOf(failing))).toEqual(['None', 'ConditionalCheckFailed']);
    expect(await getItem('counter', 'x')).toEqual({ PK: 'counter', SK: 'x', value: 2 });
  });

  it('condition check gates the writes', async () => {
    await documentClient.send(
      new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'TENANT#t5', SK: 'TENANT', active: true } }),
    );
    const checkActive = {
      ConditionCheck: {
        TableName: TABLE_NAME,
        Key: { PK: 'TENANT#t5', SK: 'TENANT' },
        ConditionExpression: 'active = :true',
        ExpressionAttributeValues: { ':true': true },
      },
    };
    const checkMissingTenant = {
      ConditionCheck: {
        TableName: TABLE_NAME,
        Key: { PK: 'TENANT#none', SK: 'TENANT' },
        ConditionExpression: 'attribute_not_exists(PK)',
      },
    };

    await documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          checkActive,
          checkMissingTenant,
          { Put: { TableName: TABLE_NAME, Item: { PK: 'TENANT#t5', SK: 'TOKEN#5' } } },
        ],
      }),
    );
    expect(await getItem('TENANT#t5', 'TOKEN#5')).toEqual({ PK: 'TENANT#t5', SK: 'TOKEN#5' });
    expect(await getItem('TENANT#t5', 'TENANT')).toEqual({ PK: 'TENANT#t5', SK: 'TENANT', active: true });
    expect(await getItem('TENANT#none', 'TENANT')).toBeUndefined();

    const checkInactive = {
      ConditionCheck: { ...checkActive.ConditionCheck, ExpressionAttributeValues: { ':true': false } },
    };
    const failing = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [checkInactive, { Put: { TableName: TABLE_NAME, Item: { PK: 'TENANT#t5', SK: 'TOKEN#6' } } }],
      }),
    );
    expect(cancellationCodes(await rejectionOf(failing))).toEqual(['ConditionalCheckFailed', 'None']);
    expect(await getItem('TENANT#t5', 'TOKEN#6')).toBeUndefined();
  });

  it('returns old binary item on failure', async () => {
    const secret = new Uint8Array([0, 1, 2, 250, 255]);
    await client.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ Put: { TableName: TABLE_NAME, Item: { PK: { S: 'binary' }, SK: { S: 'b' }, data: { B: secret } } } }],
      }),
    );

    const failing = client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: TABLE_NAME,
              Item: { PK: { S: 'binary' }, SK: { S: 'b' } },
              ConditionExpression: 'attribute_not_exists(PK)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        ],
      }),
    );
    const error = await rejectionOf(failing);

    expect(error).toBeInstanceOf(TransactionCanceledException);
    const reason = (error as TransactionCanceledException).CancellationReasons?.[0];
    expect(reason?.Code).toBe('ConditionalCheckFailed');
    expect(reason?.Item?.data?.B).toEqual(secret);
    expect((await getItem('binary', 'b'))?.data).toEqual(secret);
  });

  it('dynalite error rolls back earlier actions', async () => {
    const failing = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE_NAME, Item: { PK: 'invalid', SK: 'first' } } },
          {
            Update: {
              TableName: TABLE_NAME,
              Key: { PK: 'invalid', SK: 'second' },
              UpdateExpression: 'SET #missing = :value',
              ExpressionAttributeValues: { ':value': 1 },
            },
          },
        ],
      }),
    );
    const error = await rejectionOf(failing);

    expect((error as Error).name).toBe('ValidationException');
    expect(await getItem('invalid', 'first')).toBeUndefined();
    expect(await getItem('invalid', 'second')).toBeUndefined();
  });

  it('rejects more than 100 items', async () => {
    const transactItems = Array.from({ length: 101 }, (_, index) => ({
      Put: { TableName: TABLE_NAME, Item: { PK: 'many', SK: String(index) } },
    }));

    const error = await rejectionOf(documentClient.send(new TransactWriteCommand({ TransactItems: transactItems })));

    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toContain('less than or equal to 100');
    expect(await getItem('many', '0')).toBeUndefined();
  });

  it('rejects an empty transaction', async () => {
    const error = await rejectionOf(documentClient.send(new TransactWriteCommand({ TransactItems: [] })));

    expect((error as Error).name).toBe('ValidationException');
  });

  it('rejects two actions on one item', async () => {
    const transaction = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE_NAME, Item: { PK: 'twice', SK: 'x', step: 1 } } },
          { Delete: { TableName: TABLE_NAME, Key: { SK: 'x', PK: 'twice' } } },
        ],
      }),
    );
    const error = await rejectionOf(transaction);

    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toBe('Transaction request cannot include multiple operations on one item');
    expect(await getItem('twice', 'x')).toBeUndefined();
  });

  it('rejects an entry with two actions', async () => {
    const transaction = documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: { TableName: TABLE_NAME, Item: { PK: 'double', SK: 'x' } },
            Delete: { TableName: TABLE_NAME, Key: { PK: 'double', SK: 'y' } },
          },
        ],
      }),
    );
    const error = await rejectionOf(transaction);

    expect((error as Error).name).toBe('ValidationException');
    expect((error as Error).message).toContain('exactly one of');
  });

  it('lets one concurrent transaction win', async () => {
    const attempts = Array.from({ length: 50 }, (_, index) =>
      documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: TABLE_NAME,
                Item: { PK: 'TENANT#race', SK: `TOKEN#${index}` },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Put: {
                TableName: TABLE_NAME,
                Item: { PK: 'SECRET#race', SK: 'SECRET', tokenId: String(index) },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      ),
    );
    const results = await Promise.allSettled(attempts);

    const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
    const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    expect(winners).toHaveLength(1);
    for (const error of losers) {
      expect(cancellationCodes(error)).toEqual(['None', 'ConditionalCheckFailed']);
    }

    const tokens = await documentClient.send(
      new QueryCommand({
        TableName: TABLE_NAME,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'TENANT#race' },
        ConsistentRead: true,
      }),
    );
    expect(tokens.Items?.map((item) => item.SK)).toEqual([`TOKEN#${winners[0]}`]);
    expect((await getItem('SECRET#race', 'SECRET'))?.tokenId).toBe(String(winners[0]));
  });

  describe('client request token', () => {
    /** Builds a transaction that creates an item and counts its runs. Applied twice, its condition fails. */
    function createOnce(PK: string, clientRequestToken: string): TransactWriteCommand {
      return new TransactWriteCommand({
        ClientRequestToken: clientRequestToken,
        TransactItems: [
          {
            Put: {
              TableName: TABLE_NAME,
              Item: { PK, SK: 'item', name: 'first' },
              ConditionExpression: 'attribute_not_exists(PK)',
            },
          },
          {
            Update: {
              TableName: TABLE_NAME,
              Key: { PK, SK: 'runs' },
              UpdateExpression: 'ADD #runs :one',
              ExpressionAttributeNames: { '#runs': 'runs' },
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      });
    }

    it('repeat succeeds without applying again', async () => {
      await documentClient.send(createOnce('idem-repeat', 'token-repeat'));
      await documentClient.send(createOnce('idem-repeat', 'token-repeat'));

      expect(await getItem('idem-repeat', 'item')).toEqual({ PK: 'idem-repeat', SK: 'item', name: 'first' });
      expect((await getItem('idem-repeat', 'runs'))?.runs).toBe(1);
    });

    it('concurrent repeats apply once', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => documentClient.send(createOnce('idem-concurrent', 'token-concurrent'))),
      );

      expect(results.map((result) => result.status)).toEqual(Array(5).fill('fulfilled'));
      expect((await getItem('idem-concurrent', 'runs'))?.runs).toBe(1);
    });

    it('mismatched repeat is rejected', async () => {
      await documentClient.send(createOnce('idem-first', 'token-mismatch'));

      const error = await rejectionOf(documentClient.send(createOnce('idem-second', 'token-mismatch')));

      expect((error as Error).name).toBe('IdempotentParameterMismatchException');
      expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(400);
      expect(await getItem('idem-second', 'item')).toBeUndefined();
      expect(await getItem('idem-second', 'runs')).toBeUndefined();
      expect((await getItem('idem-first', 'runs'))?.runs).toBe(1);
    });

    it('cancelled token can be reused', async () => {
      await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'idem-retry', SK: 'item' } }));
      const cancelled = await rejectionOf(documentClient.send(createOnce('idem-retry', 'token-retry')));
      expect(cancellationCodes(cancelled)).toEqual(['ConditionalCheckFailed', 'None']);

      await documentClient.send(new DeleteCommand({ TableName: TABLE_NAME, Key: { PK: 'idem-retry', SK: 'item' } }));
      await documentClient.send(createOnce('idem-retry', 'token-retry'));

      expect(await getItem('idem-retry', 'item')).toEqual({ PK: 'idem-retry', SK: 'item', name: 'first' });
      expect((await getItem('idem-retry', 'runs'))?.runs).toBe(1);
    });

    it('rejects token over 36 characters', async () => {
      const error = await rejectionOf(documentClient.send(createOnce('idem-long', 'x'.repeat(37))));

      expect((error as Error).name).toBe('ValidationException');
      expect(await getItem('idem-long', 'item')).toBeUndefined();
    });

    it('tokenless request applies each time', async () => {
      // The SDK always adds a token, so this request is sent as plain HTTP.
      const send = () =>
        fetch(store.endpoint, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/x-amz-json-1.0',
            'X-Amz-Target': 'DynamoDB_20120810.TransactWriteItems',
          },
          body: JSON.stringify({
            TransactItems: [
              {
                Put: {
                  TableName: TABLE_NAME,
                  Item: { PK: { S: 'idem-none' }, SK: { S: 'item' } },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
            ],
          }),
        });

      const first = await send();
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual({});

      const second = await send();
      expect(second.status).toBe(400);
      expect(((await second.json()) as { __type: string }).__type).toMatch(/#TransactionCanceledException$/);
      expect(await getItem('idem-none', 'item')).toEqual({ PK: 'idem-none', SK: 'item' });
    });
  });

  it('rollback keeps concurrent plain writes', async () => {
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'mixed', SK: 'counter', count: 0 } }));
    await documentClient.send(new PutCommand({ TableName: TABLE_NAME, Item: { PK: 'mixed', SK: 'blocker' } }));

    // Each transaction overwrites the counter and then fails, so its rollback restores the version
    // it read. An increment applied between that read and the restore would be lost.
    const cancelledTransactions = Array.from({ length: 20 }, () =>
      documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: TABLE_NAME, Item: { PK: 'mixed', SK: 'counter', count: 1000 } } },
            {
              Put: {
                TableName: TABLE_NAME,
                Item: { PK: 'mixed', SK: 'blocker' },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
          ],
        }),
      ),
    );
    const increments = Array.from({ length: 20 }, () =>
      documentClient.send(
        new UpdateCommand({
          TableName: TABLE_NAME,
          Key: { PK: 'mixed', SK: 'counter' },
          UpdateExpression: 'ADD #count :one',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      ),
    );
    const results = await Promise.allSettled([...cancelledTransactions, ...increments]);

    expect(results.slice(0, 20).every((result) => result.status === 'rejected')).toBe(true);
    expect(results.slice(20).every((result) => result.status === 'fulfilled')).toBe(true);
    expect((await getItem('mixed', 'counter'))?.count).toBe(20);
  });
});

describe('local store persistence', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-store-test-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps data across a restart', async () => {
    const first = await startLocalStore({ dataDir });
    const firstClients = createClients(first.endpoint);
    await createTable(firstClients.client, TABLE_NAME);
    await firstClients.documentClient.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: TABLE_NAME, Item: { PK: 'TENANT#p', SK: 'TOKEN#1', name: 'kept' } } },
          { Put: { TableName: TABLE_NAME, Item: { PK: 'SECRET#p', SK: 'SECRET', tokenId: '1' } } },
        ],
      }),
    );
    firstClients.client.destroy();
    await first.close();

    const second = await startLocalStore({ dataDir });
    const secondClients = createClients(second.endpoint);
    try {
      const output = await secondClients.documentClient.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { PK: 'TENANT#p', SK: 'TOKEN#1' }, ConsistentRead: true }),
      );
      expect(output.Item).toEqual({ PK: 'TENANT#p', SK: 'TOKEN#1', name: 'kept' });

      const lookup = await secondClients.documentClient.send(
        new GetCommand({ TableName: TABLE_NAME, Key: { PK: 'SECRET#p', SK: 'SECRET' }, ConsistentRead: true }),
      );
      expect(lookup.Item).toEqual({ PK: 'SECRET#p', SK: 'SECRET', tokenId: '1' });
    } finally {
      secondClients.client.destroy();
      await second.close();
    }
  });
});

describe('local store command line', () => {
  it('prints endpoint and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', STORE_SCRIPT, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = once(child, 'exit');

    try {
      const [firstChunk] = (await once(child.stdout, 'data')) as [Buffer];
      const firstLine = firstChunk.toString('utf8').split('\n')[0] ?? '';
      const { endpoint } = JSON.parse(firstLine) as { endpoint: string };
      expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

      const { client } = createClients(endpoint);
      try {
        const tables = await client.send(new ListTablesCommand({}));
        expect(tables.TableNames).toEqual([]);
      } finally {
        client.destroy();
      }
    } finally {
      child.kill('SIGTERM');
    }

    const [exitCode] = (await exited) as [number | null];
    expect(exitCode).toBe(0);
  }, 15_000);
});
