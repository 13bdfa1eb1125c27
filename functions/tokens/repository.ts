import {
  BatchGetCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError, TokenConflictError } from './errors';
import type { Right } from './rights';
import {
  PARTITION_KEY,
  SORT_KEY,
  TOKEN_SORT_PREFIX,
  TTL_ATTRIBUTE,
  lookupKey,
  metadataKey,
  tenantPartition,
} from './table';
import type { SecretGrant, Token } from './token';

/** Returns the GetItem input of the authorizer's lookup, also the benchmark's baseline request. */
export function grantLookupInput(tableName: string, secretHash: string) {
  return {
    TableName: tableName,
    Key: lookupKey(secretHash),
    ConsistentRead: true,
    ProjectionExpression: '#tenantId, #tokenId, #rights, #expiresAt, #secretHash',
    ExpressionAttributeNames: {
      '#tenantId': 'tenantId',
      '#tokenId': 'tokenId',
      '#rights': 'rights',
      '#expiresAt': 'expiresAt',
      '#secretHash': 'secretHash',
    },
  };
}

/** DynamoDB's limits: 100 keys per BatchGetItem, 100 actions per TransactWriteItems (2 per token). */
const BATCH_GET_LIMIT = 100;
const TOKENS_PER_TRANSACTION = 50;

export interface RetryPolicy {
  /** Extra attempts for unprocessed keys and cancelled transactions, after the first. */
  maxRetries: number;
  baseDelayMs: number;
  sleep: (milliseconds: number) => Promise<void>;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 50,
  sleep: (milliseconds) => new Promise((resolve) => setTimeout(resolve, milliseconds)),
};

export interface TokenPage {
  items: Token[];
  /** Id of the last token returned when more may follow. */
  lastTokenId?: string;
}

export interface BulkDeleteResult {
  deleted: string[];
  notFound: string[];
  /** Ids whose state is unknown because the store kept failing; deleting them again is safe. */
  failed: string[];
}

interface MetadataItem extends Token {
  secretHash: string;
}

/** All DynamoDB access of the service. Every failure of the store surfaces as StoreUnavailableError. */
export class TokenRepository {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  /** Reads the grant for a secret hash with one strongly consistent GetItem. */
  async findGrant(secretHash: string): Promise<SecretGrant | undefined> {
    const result = await this.send('findGrant', () => this.client.send(new GetCommand(grantLookupInput(this.tableName, secretHash))));
    return result.Item as SecretGrant | undefined;
  }

  /** Writes the lookup and metadata items of a new token in one transaction. */
  async createToken(token: Token, secretHash: string): Promise<void> {
    const ttl = token.expiresAt ? { [TTL_ATTRIBUTE]: Math.ceil(Date.parse(token.expiresAt) / 1000) } : {};
    const lookupItem = {
      ...lookupKey(secretHash),
      tenantId: token.tenantId,
      tokenId: token.id,
      rights: token.rights,
      expiresAt: token.expiresAt,
      secretHash,
      ...ttl,
    };
    const metadataItem = { ...metadataKey(token.tenantId, token.id), ...token, secretHash, ...ttl };
    const mustBeNew = {
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };

    try {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: lookupItem, ...mustBeNew } },
            { Put: { TableName: this.tableName, Item: metadataItem, ...mustBeNew } },
          ],
        }),
      );
    } catch (error) {
      if (cancellationCodes(error).includes('ConditionalCheckFailed')) throw new TokenConflictError(token.id);
      throw new StoreUnavailableError('createToken', { cause: error });
    }
  }

  async getToken(tenantId: string, tokenId: string): Promise<Token | undefined> {
    const result = await this.send('getToken', () =>
      this.client.send(
        new GetCommand({ TableName: this.tableName, Key: metadataKey(tenantId, tokenId), ConsistentRead: true }),
      ),
    );
    return result.Item ? toToken(result.Item as MetadataItem) : undefined;
  }

  /**
   * Lists one page of a tenant's tokens, newest first, with one Query.
   * It reads one item more than it returns to learn whether another page follows.
   */
  async listTokens(tenantId: string, options: { limit: number; afterTokenId?: string }): Promise<TokenPage> {
    const result = await this.send('listTokens', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :partition AND begins_with(#sk, :tokenPrefix)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':partition': tenantPartition(tenantId), ':tokenPrefix': TOKEN_SORT_PREFIX },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: options.limit + 1,
          ...(options.afterTokenId ? { ExclusiveStartKey: metadataKey(tenantId, options.afterTokenId) } : {}),
        }),
      ),
    );

    const items = (result.Items ?? []).map((item) => toToken(item as MetadataItem));
    if (items.length <= options.limit) return { items };

    const page = items.slice(0, options.limit);
    return { items: page, lastTokenId: page[page.length - 1]?.id };
  }

  /**
   * Deletes a token and its lookup item in one transaction, after one GetItem for the
   * secret hash. Returns false when the token does not exist in the tenant or another
   * request deleted it first. A transaction cancelled by a conflicting write is retried.
   */
  async deleteToken(tenantId: string, tokenId: string): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) await this.backoff(attempt);

      const found = await this.send('deleteToken', () =>
        this.client.send(
          new GetCommand({
            TableName: this.tableName,
            Key: metadataKey(tenantId, tokenId),
            ConsistentRead: true,
            ProjectionExpression: '#secretHash',
            ExpressionAttributeNames: { '#secretHash': 'secretHash' },
          }),
        ),
      );
      const secretHash = found.Item?.secretHash as string | undefined;
      if (!secretHash) return false;

      try {
        await this.client.send(
          new TransactWriteCommand({ TransactItems: this.deleteActions(tenantId, tokenId, secretHash) }),
        );
        return true;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes.includes('ConditionalCheckFailed')) return false;
        if (codes.length === 0 || attempt >= this.retry.maxRetries) {
          throw new StoreUnavailableError('deleteToken', { cause: error });
        }
      }
    }
  }

  /**
   * Deletes up to 100 tokens of a tenant: one BatchGetItem for their secret hashes,
   * then one transaction per 50 tokens, so each token's two items go together.
   * Unprocessed keys and cancelled transactions are retried with exponential backoff;
   * a call that fails outright is not, because the SDK has retried it already.
   * Ids the store kept failing on are reported in `failed`, never as deleted.
   */
  async deleteTokens(tenantId: string, tokenIds: readonly string[]): Promise<BulkDeleteResult> {
    if (tokenIds.length > BATCH_GET_LIMIT) {
      throw new RangeError(`deleteTokens takes at most ${BATCH_GET_LIMIT} ids, got ${tokenIds.length}`);
    }
    const result: BulkDeleteResult = { deleted: [], notFound: [], failed: [] };
    if (tokenIds.length === 0) return result;

    const { hashes, unread } = await this.readSecretHashes(tenantId, tokenIds);
    result.failed.push(...unread);
    const unreadIds = new Set(unread);
    for (const id of tokenIds) {
      if (!hashes.has(id) && !unreadIds.has(id)) result.notFound.push(id);
    }

    const found = [...hashes.keys()];
    let storeFailing = false;
    for (let start = 0; start < found.length; start += TOKENS_PER_TRANSACTION) {
      const chunk = found.slice(start, start + TOKENS_PER_TRANSACTION);
      // After a failed call the SDK has already retried, so later chunks are not tried:
      // that keeps the worst case inside the Lambda timeout.
      if (storeFailing) {
        result.failed.push(...chunk);
        continue;
      }
      storeFailing = !(await this.deleteChunk(tenantId, chunk, hashes, result));
    }
    return result;
  }

  private async readSecretHashes(
    tenantId: string,
    tokenIds: readonly string[],
  ): Promise<{ hashes: Map<string, string>; unread: string[] }> {
    const hashes = new Map<string, string>();
    let pendingKeys: Record<string, unknown>[] = tokenIds.map((id) => metadataKey(tenantId, id));

    for (let attempt = 0; pendingKeys.length > 0 && attempt <= this.retry.maxRetries; attempt++) {
      if (attempt > 0) await this.backoff(attempt);

      let response;
      try {
        response = await this.client.send(
          new BatchGetCommand({
            RequestItems: {
              [this.tableName]: {
                Keys: pendingKeys,
                ConsistentRead: true,
                ProjectionExpression: '#sk, #secretHash',
                ExpressionAttributeNames: { '#sk': SORT_KEY, '#secretHash': 'secretHash' },
              },
            },
          }),
        );
      } catch (error) {
        throw new StoreUnavailableError('deleteTokens', { cause: error });
      }

      for (const item of response.Responses?.[this.tableName] ?? []) {
        const tokenId = String(item[SORT_KEY]).slice(TOKEN_SORT_PREFIX.length);
        hashes.set(tokenId, String(item.secretHash));
      }
      pendingKeys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }

    const unread = pendingKeys.map((key) => String(key[SORT_KEY]).slice(TOKEN_SORT_PREFIX.length));
    return { hashes, unread };
  }

  private async deleteChunk(
    tenantId: string,
    chunk: string[],
    hashes: Map<string, string>,
    result: BulkDeleteResult,
  ): Promise<boolean> {
    let pending = chunk;

    for (let attempt = 0; pending.length > 0 && attempt <= this.retry.maxRetries; attempt++) {
      if (attempt > 0) await this.backoff(attempt);

      const actions = pending.flatMap((id) => this.deleteActions(tenantId, id, hashes.get(id) ?? ''));
      try {
        await this.client.send(new TransactWriteCommand({ TransactItems: actions }));
        result.deleted.push(...pending);
        return true;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes.length === 0) {
          result.failed.push(...pending);
          return false;
        }

        // The whole transaction was cancelled. Tokens whose condition failed were
        // deleted by someone else; the rest are tried again.
        const goneIds = new Set(pending.filter((_, index) => conditionFailed(codes, index)));
        result.notFound.push(...goneIds);
        pending = pending.filter((id) => !goneIds.has(id));
      }
    }
    result.failed.push(...pending);
    return true;
  }

  private deleteActions(tenantId: string, tokenId: string, secretHash: string) {
    const mustExist = {
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: { '#pk': PARTITION_KEY },
    };
    return [
      { Delete: { TableName: this.tableName, Key: metadataKey(tenantId, tokenId), ...mustExist } },
      { Delete: { TableName: this.tableName, Key: lookupKey(secretHash), ...mustExist } },
    ];
  }

  private backoff(attempt: number): Promise<void> {
    const ceiling = this.retry.baseDelayMs * 2 ** (attempt - 1);
    return this.retry.sleep(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  private async send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw new StoreUnavailableError(operation, { cause: error });
    }
  }
}

/** Tells whether either of the two delete actions of the token at `index` failed its condition. */
function conditionFailed(codes: string[], index: number): boolean {
  return codes[index * 2] === 'ConditionalCheckFailed' || codes[index * 2 + 1] === 'ConditionalCheckFailed';
}

/** Returns the cancellation reason codes of a TransactionCanceledException, or [] for any other error. */
function cancellationCodes(error: unknown): string[] {
  if (!(error instanceof Error) || error.name !== 'TransactionCanceledException') return [];
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.map((reason) => reason.Code ?? 'None');
}

function toToken(item: MetadataItem): Token {
  const token: Token = {
    id: item.id,
    tenantId: item.tenantId,
    name: item.name,
    rights: item.rights as Right[],
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    hint: item.hint,
  };
  if (item.description !== undefined) token.description = item.description;
  if (item.owner !== undefined) token.owner = item.owner;
  if (item.expiresAt !== undefined) token.expiresAt = item.expiresAt;
  return token;
}
