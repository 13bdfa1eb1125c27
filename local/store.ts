/**
 * Local DynamoDB-compatible store: unmodified dynalite behind a thin HTTP front that adds
 * TransactWriteItems, which dynalite 4.0.0 does not implement. The service writes and deletes
 * the two items of a token in one transaction, and its tests run against this store through
 * the real AWS SDK.
 *
 * Guarantee: a transaction's actions take effect all together or not at all. One mutex
 * serializes each transaction with every other transaction and with every write the front
 * proxies (PutItem, DeleteItem, UpdateItem, BatchWriteItem), so no write interleaves with a
 * transaction. Each action is applied as the matching single-item call with its own condition.
 * If any action fails, every item already changed is restored to the version read before.
 *
 * A transaction that carries a ClientRequestToken is idempotent for 10 minutes after it
 * succeeded, as in DynamoDB: the same token with the same TransactItems succeeds again
 * without applying anything, and the same token with other TransactItems is rejected with
 * IdempotentParameterMismatchException. The SDK relies on this when it retries a transaction
 * whose first attempt timed out on the client but was applied. A cancelled or failed
 * transaction leaves no trace, so its token can be used again.
 *
 * NOTE: The tokens live in memory only, so a restart loses them even with --data, and past
 * 10,000 remembered tokens the oldest are dropped before their 10 minutes end. A repeat that
 * arrives while the first request is still running waits for it and is then recognised, where
 * DynamoDB would return TransactionInProgressException.
 *
 * NOTE: Reads (GetItem, Query, Scan, BatchGetItem) are not serialized, so a reader can observe
 * an intermediate state while a transaction is being applied or rolled back. Real DynamoDB
 * never shows that.
 *
 * Run on its own with `npx tsx local/store.ts --port 8000 [--data DIR]`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { realpathSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { createLogger } from '../functions/shared/logger';

export interface LocalStore {
  /** URL of the front server, for the SDK's `endpoint` option. */
  endpoint: string;
  /** Closes the front server, then dynalite and its store. Resolves once open connections have ended. */
  close(): Promise<void>;
}

export interface LocalStoreOptions {
  /** Port of the front server on 127.0.0.1. 0, the default, picks a free port. */
  port?: number;
  /** LevelDB directory that keeps the data across restarts. Without it the data lives in memory. */
  dataDir?: string;
}

interface DynaliteOptions {
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}

// dynalite ships no type declarations, so it is loaded through require and typed here.
// Its server's close() also closes the LevelDB store.
const requireCommonJs = createRequire(import.meta.url);
const createDynalite = requireCommonJs('dynalite') as (options: DynaliteOptions) => http.Server;

const HOST = '127.0.0.1';
const TRANSACT_WRITE_ITEMS_TARGET = 'DynamoDB_20120810.TransactWriteItems';
const SERIALIZED_WRITE_OPERATIONS = new Set(['PutItem', 'DeleteItem', 'UpdateItem', 'BatchWriteItem']);
const MAX_TRANSACT_ITEMS = 100;
const MAX_CLIENT_REQUEST_TOKEN_LENGTH = 36;

// How long DynamoDB treats a repeated ClientRequestToken as the same request, and how many
// tokens the store keeps at most so that memory stays bounded.
const IDEMPOTENCY_WINDOW_MS = 10 * 60 * 1000;
const MAX_REMEMBERED_TOKENS = 10_000;

// The same request size limit as dynalite.
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const VALIDATION_ERROR_TYPE = 'com.amazon.coral.validate#ValidationException';
const SERIALIZATION_ERROR_TYPE = 'com.amazon.coral.service#SerializationException';
const INTERNAL_ERROR_TYPE = ERROR_NAMESPACE + 'InternalServerError';

const HOP_BY_HOP_HEADERS = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

// Logs go to stderr because the command line prints the endpoint on stdout.
const logger = createLogger({
  sink: (line) => process.stderr.write(line + '\n'),
  fields: { component: 'local-store' },
});

/** Starts dynalite and the front server, both on 127.0.0.1. */
export async function startLocalStore(options: LocalStoreOptions = {}): Promise<LocalStore> {
  const dynalite = createDynalite({
    ...(options.dataDir === undefined ? {} : { path: options.dataDir }),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynalitePort = await listen(dynalite, 0);
  const dynaliteEndpoint = `http://${HOST}:${dynalitePort}`;

  const client = new DynamoDBClient({
    endpoint: dynaliteEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // A retried UpdateItem could apply twice, and a retry cannot fix a local failure anyway.
    maxAttempts: 1,
  });
  const proxyAgent = new http.Agent({ keepAlive: true });
  const front = new Front({
    dynalitePort,
    proxyAgent,
    client,
    writeLock: new Mutex(),
    succeededTransactions: new SucceededTransactions(),
  });

  const frontServer = http.createServer((req, res) => {
    void front.handle(req, res);
  });

  let frontPort: number;
  try {
    frontPort = await listen(frontServer, options.port ?? 0);
  } catch (error) {
    client.destroy();
    proxyAgent.destroy();
    await closeServer(dynalite);
    throw error;
  }

  return {
    endpoint: `http://${HOST}:${frontPort}`,
    close: async () => {
      await closeServer(frontServer);
      client.destroy();
      proxyAgent.destroy();
      await closeServer(dynalite);
    },
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting connections and resolves once the open ones have ended. */
function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

/** An async lock: holders run one at a time, in the order they called acquire(). */
class Mutex {
  private tail: Promise<void> = Promise.resolve();

  /** Waits for every earlier holder to release, then returns this holder's release function. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return acquired;
  }
}

/** An error returned to the client as a DynamoDB JSON error body. */
class DynamoDbError extends Error {
  constructor(
    readonly statusCode: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

function validationError(message: string): DynamoDbError {
  return new DynamoDbError(400, VALIDATION_ERROR_TYPE, message);
}

interface FrontDependencies {
  dynalitePort: number;
  proxyAgent: http.Agent;
  /** SDK client aimed at dynalite itself, so its calls bypass the front and its lock. */
  client: DynamoDBClient;
  writeLock: Mutex;
  /** Read and written only while holding writeLock. */
  succeededTransactions: SucceededTransactions;
}

/** Request handler of the front server. */
class Front {
  constructor(private readonly deps: FrontDependencies) {}

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (error) {
      if (error instanceof DynamoDbError) {
        sendJson(res, error.statusCode, { __type: error.type, message: error.message });
        return;
      }

      logger.error('Handling a request failed', { error, target: req.headers['x-amz-target'] });
      sendJson(res, 500, { __type: INTERNAL_ERROR_TYPE, message: `Local store failed: ${errorMessage(error)}` });
    }
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const target = req.headers['x-amz-target'];

    if (target === TRANSACT_WRITE_ITEMS_TARGET) {
      const body = await readBody(req);
      const transaction = new Transaction(this.deps.client, parseJsonBody(body));
      await transaction.validate();
      const response = await this.runExclusive(() => this.applyOnce(transaction));
      sendJson(res, response.statusCode, response.body);
      return;
    }

    const operation = typeof target === 'string' ? target.slice(target.indexOf('.') + 1) : '';
    if (!SERIALIZED_WRITE_OPERATIONS.has(operation)) {
      await this.proxy(req, res);
      return;
    }

    // The body is read before taking the lock so that a slow upload does not hold it.
    const body = await readBody(req);
    await this.runExclusive(() => this.proxy(req, res, body));
  }

  /**
   * Applies the transaction unless it repeats one that succeeded with the same client request
   * token. The caller must hold the write lock, so no transaction runs between the check and
   * the record.
   */
  private async applyOnce(transaction: Transaction): Promise<TransactionResponse> {
    const { clientRequestToken, requestHash } = transaction;
    if (clientRequestToken === undefined) return transaction.apply();

    if (this.deps.succeededTransactions.isRepeat(clientRequestToken, requestHash)) {
      return { statusCode: 200, body: {}, committed: true };
    }
    const response = await transaction.apply();
    if (response.committed) this.deps.succeededTransactions.remember(clientRequestToken, requestHash);
    return response;
  }

  private async runExclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.deps.writeLock.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Forwards the request to dynalite and streams the response back. Resolves once the response
   * has been sent in full, or the exchange failed, so a caller holding the lock can rely on the write being done.
   */
  private proxy(req: http.IncomingMessage, res: http.ServerResponse, bufferedBody?: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const upstream = http.request({
        host: HOST,
        port: this.deps.dynalitePort,
        method: req.method,
        path: req.url,
        headers: withoutHopByHopHeaders(req.headers),
        agent: this.deps.proxyAgent,
      });

      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
        resolve();
      });

      upstream.on('response', (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 500, withoutHopByHopHeaders(upstreamRes.headers));
        upstreamRes.pipe(res);
        upstreamRes.on('end', resolve);
        upstreamRes.on('error', () => res.destroy());
      });

      upstream.on('error', (error) => {
        resolve();
        if (res.destroyed) return;

        logger.error('Forwarding a request to dynalite failed', { error, target: req.headers['x-amz-target'] });
        if (res.headersSent) {
          res.destroy();
          return;
        }
        sendJson(res, 500, {
          __type: INTERNAL_ERROR_TYPE,
          message: `Local store failed to forward the request to dynalite: ${error.message}`,
        });
      });

      if (bufferedBody === undefined) {
        req.pipe(upstream);
        return;
      }
      upstream.end(bufferedBody);
    });
  }
}

function withoutHopByHopHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const forwarded: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP_HEADERS.has(name)) continue;
    forwarded[name] = value;
  }
  return forwarded;
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;

  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_REQUEST_BYTES) {
      throw new DynamoDbError(413, SERIALIZATION_ERROR_TYPE, `Request body exceeds ${MAX_REQUEST_BYTES} bytes`);
    }
    chunks.push(buffer);
  }

  return Buffer.concat(chunks);
}

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new DynamoDbError(400, SERIALIZATION_ERROR_TYPE, `Request body is not valid JSON: ${errorMessage(error)}`);
  }
}

/** Sends a DynamoDB JSON response with the headers the SDK expects, including the CRC32 it checks. */
function sendJson(res: http.ServerResponse, statusCode: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;

  const text = JSON.stringify(body);
  res.writeHead(statusCode, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(text, 'utf8'),
    'x-amzn-RequestId': randomUUID().replace(/-/g, '').toUpperCase(),
    'x-amz-crc32': String(crc32(text)),
  });
  res.end(text);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// zlib.crc32 exists from Node 20.15. The table below covers earlier Node 20 releases.
let crc32Table: Uint32Array | undefined;

/** Computes the CRC-32 (IEEE 802.3) of the UTF-8 bytes of `text`, as an unsigned integer. */
function crc32(text: string): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(text);

  crc32Table ??= buildCrc32Table();
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc = (crc >>> 8) ^ (crc32Table[(crc ^ byte) & 0xff] ?? 0);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function buildCrc32Table(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// TransactWriteItems
// ---------------------------------------------------------------------------------------------

type ActionKind = 'ConditionCheck' | 'Put' | 'Delete' | 'Update';

const ACTION_KINDS: readonly ActionKind[] = ['ConditionCheck', 'Put', 'Delete', 'Update'];

/** Attribute values as they appear in DynamoDB JSON, where binary values are base64 strings. */
type WireAttributeMap = Record<string, unknown>;

type SdkAttributeMap = Record<string, AttributeValue>;

interface TransactionAction {
  kind: ActionKind;
  /** Location in the request, for error messages, e.g. `TransactItems[1].Put`. */
  path: string;
  tableName: string;
  /** Key or, for Put, the item. The key is only known after validate(). */
  key?: WireAttributeMap;
  item?: WireAttributeMap;
  updateExpression?: string;
  conditionExpression?: string;
  expressionAttributeNames?: Record<string, string>;
  expressionAttributeValues?: WireAttributeMap;
  returnOldItemOnConditionFailure: boolean;
}

type ActionOutcome = { code: 'None' } | { code: 'ConditionalCheckFailed' };

interface TransactionResponse {
  statusCode: number;
  body: unknown;
  /** True when every action took effect. */
  committed: boolean;
}

interface SucceededTransaction {
  requestHash: string;
  /** On the monotonic clock of performance.now(). */
  expiresAt: number;
}

/**
 * The client request tokens of transactions that succeeded in the last 10 minutes, each with
 * the hash of its TransactItems. Tokens are kept in the order they were recorded, which is
 * also the order they expire in, so the oldest are always at the front of the map.
 */
class SucceededTransactions {
  private readonly entries = new Map<string, SucceededTransaction>();

  /**
   * Returns true when the token belongs to a transaction that succeeded within the window. Throws
   * IdempotentParameterMismatchException when that transaction had other TransactItems.
   */
  isRepeat(token: string, requestHash: string): boolean {
    this.dropExpired();
    const earlier = this.entries.get(token);
    if (earlier === undefined) return false;
    if (earlier.requestHash !== requestHash) {
      throw new DynamoDbError(
        400,
        ERROR_NAMESPACE + 'IdempotentParameterMismatchException',
        `ClientRequestToken '${token}' was used in the last 10 minutes by a transaction with other TransactItems. ` +
          'Use a new token for a different transaction.',
      );
    }
    return true;
  }

  remember(token: string, requestHash: string): void {
    // Deleting first puts a token recorded again at the end, so the map stays in expiry order.
    this.entries.delete(token);
    this.entries.set(token, { requestHash, expiresAt: performance.now() + IDEMPOTENCY_WINDOW_MS });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MAX_REMEMBERED_TOKENS) break;
      this.entries.delete(oldest);
    }
  }

  private dropExpired(): void {
    const now = performance.now();
    for (const [token, entry] of this.entries) {
      if (entry.expiresAt > now) break;
      this.entries.delete(token);
    }
  }
}

/**
 * One TransactWriteItems request. validate() runs without the lock, apply() must run while
 * the caller holds it.
 */
class Transaction {
  private readonly actions: TransactionAction[];
  readonly clientRequestToken: string | undefined;
  /** SHA-256 of the canonical JSON of TransactItems, to tell a repeat from a different request. */
  readonly requestHash: string;

  constructor(
    private readonly client: DynamoDBClient,
    request: unknown,
  ) {
    this.actions = parseTransactItems(request);
    this.clientRequestToken = parseClientRequestToken(request);
    this.requestHash = createHash('sha256')
      .update(canonicalJson((request as Record<string, unknown>).TransactItems))
      .digest('hex');
  }

  /** Resolves every action's key and rejects two actions on one item. */
  async validate(): Promise<void> {
    const keySchemas = new Map<string, string[]>();
    const seenItems = new Set<string>();

    for (const action of this.actions) {
      if (action.kind === 'Put') {
        let keyNames = keySchemas.get(action.tableName);
        if (keyNames === undefined) {
          keyNames = await this.describeKeyNames(action.tableName);
          keySchemas.set(action.tableName, keyNames);
        }
        action.key = pickKey(action, keyNames);
      }

      const itemId = itemIdentity(action.tableName, action.key ?? {});
      if (seenItems.has(itemId)) {
        throw validationError('Transaction request cannot include multiple operations on one item');
      }
      seenItems.add(itemId);
    }
  }

  /** Applies every action, or none of them when any fails. */
  async apply(): Promise<TransactionResponse> {
    const oldItems: (SdkAttributeMap | undefined)[] = [];
    for (const action of this.actions) {
      oldItems.push(await this.readItem(action));
    }

    const outcomes: ActionOutcome[] = [];
    const changedActions: number[] = [];
    let failure: unknown;

    // Every action runs even after a failed condition, so that the response carries the outcome
    // of every condition as DynamoDB's does. Any other error stops the transaction at once.
    for (const [index, action] of this.actions.entries()) {
      try {
        await sendAction(this.client, action);
        outcomes.push({ code: 'None' });
        changedActions.push(index);
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          outcomes.push({ code: 'ConditionalCheckFailed' });
          continue;
        }
        failure = error;
        break;
      }
    }

    const cancelled = failure !== undefined || outcomes.some((outcome) => outcome.code !== 'None');
    if (cancelled) {
      await this.restore(changedActions, oldItems);
    } else {
      await this.removeConditionCheckItems(oldItems);
    }

    if (failure !== undefined) throw toDynamoDbError(failure);
    if (!cancelled) return { statusCode: 200, body: {}, committed: true };

    return { statusCode: 400, body: this.cancellationBody(outcomes, oldItems), committed: false };
  }

  private async describeKeyNames(tableName: string): Promise<string[]> {
    try {
      const output = await this.client.send(new DescribeTableCommand({ TableName: tableName }));
      const keySchema = output.Table?.KeySchema ?? [];
      return keySchema.flatMap((element) => (element.AttributeName === undefined ? [] : [element.AttributeName]));
    } catch (error) {
      throw toDynamoDbError(error);
    }
  }

  private async readItem(action: TransactionAction): Promise<SdkAttributeMap | undefined> {
    try {
      const output = await this.client.send(
        new GetItemCommand({ TableName: action.tableName, Key: toSdkMap(action.key ?? {}), ConsistentRead: true }),
      );
      return output.Item;
    } catch (error) {
      throw toDynamoDbError(error);
    }
  }

  /** Writes back the version read before the transaction of every item an action changed. */
  private async restore(changedActions: number[], oldItems: (SdkAttributeMap | undefined)[]): Promise<void> {
    for (const index of changedActions.reverse()) {
      const action = this.actions[index];
      if (action === undefined) continue;
      await this.writeVersion(action, oldItems[index]);
    }
  }

  /**
   * Deletes the items that a passed ConditionCheck created. A ConditionCheck is evaluated as an
   * UpdateItem without updates, and that creates a key-only item when none existed.
   */
  private async removeConditionCheckItems(oldItems: (SdkAttributeMap | undefined)[]): Promise<void> {
    for (const [index, action] of this.actions.entries()) {
      if (action.kind !== 'ConditionCheck' || oldItems[index] !== undefined) continue;
      await this.writeVersion(action, undefined);
    }
  }

  private async writeVersion(action: TransactionAction, version: SdkAttributeMap | undefined): Promise<void> {
    try {
      if (version === undefined) {
        await this.client.send(new DeleteItemCommand({ TableName: action.tableName, Key: toSdkMap(action.key ?? {}) }));
        return;
      }
      await this.client.send(new PutItemCommand({ TableName: action.tableName, Item: version }));
    } catch (error) {
      logger.error('Restoring an item after a transaction failed, so the local store may be inconsistent', {
        error,
        tableName: action.tableName,
        key: action.key,
      });
      throw new DynamoDbError(
        500,
        INTERNAL_ERROR_TYPE,
        `Local store failed to restore ${action.path} in table ${action.tableName}: ${errorMessage(error)}`,
      );
    }
  }

  private cancellationBody(outcomes: ActionOutcome[], oldItems: (SdkAttributeMap | undefined)[]): unknown {
    const reasons = outcomes.map((outcome, index) => {
      if (outcome.code === 'None') return { Code: 'None' };

      const reason: Record<string, unknown> = { Code: outcome.code, Message: 'The conditional request failed' };
      const oldItem = oldItems[index];
      if (this.actions[index]?.returnOldItemOnConditionFailure && oldItem !== undefined) {
        reason.Item = toWireMap(oldItem);
      }
      return reason;
    });

    const codes = outcomes.map((outcome) => outcome.code).join(', ');
    return {
      __type: ERROR_NAMESPACE + 'TransactionCanceledException',
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
      CancellationReasons: reasons,
    };
  }
}

/** Checks the request's shape and returns one action per TransactItems entry. */
function parseTransactItems(request: unknown): TransactionAction[] {
  if (!isRecord(request)) throw validationError('Invalid request: the body must be a JSON object');

  const transactItems = request.TransactItems;
  if (transactItems === undefined || transactItems === null) {
    throw validationError(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(transactItems)) throw validationError('Invalid TransactItems: expected an array');

  if (transactItems.length < 1 || transactItems.length > MAX_TRANSACT_ITEMS) {
    const bound = transactItems.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_TRANSACT_ITEMS}`;
    throw validationError(
      `1 validation error detected: Value with ${transactItems.length} elements at 'transactItems' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }

  return transactItems.map((entry, index) => parseAction(entry, `TransactItems[${index}]`));
}

/** Returns the request's ClientRequestToken, which DynamoDB limits to 1 to 36 characters. */
function parseClientRequestToken(request: unknown): string | undefined {
  if (!isRecord(request)) return undefined;
  const token = request.ClientRequestToken;
  if (token === undefined || token === null) return undefined;
  if (typeof token !== 'string') throw validationError('Invalid ClientRequestToken: expected a string');
  if (token.length < 1 || token.length > MAX_CLIENT_REQUEST_TOKEN_LENGTH) {
    const bound = token.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_CLIENT_REQUEST_TOKEN_LENGTH}`;
    throw validationError(
      `1 validation error detected: Value '${token}' at 'clientRequestToken' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  return token;
}

/** Serializes parsed JSON with the keys of every object sorted, so key order does not change the text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const members = Object.keys(value)
      .sort()
      .map((name) => `${JSON.stringify(name)}:${canonicalJson(value[name])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function parseAction(entry: unknown, path: string): TransactionAction {
  if (!isRecord(entry)) throw validationError(`Invalid ${path}: expected an object`);

  const kinds = ACTION_KINDS.filter((kind) => entry[kind] !== undefined && entry[kind] !== null);
  const kind = kinds[0];
  if (kinds.length !== 1 || kind === undefined) {
    throw validationError(
      `Invalid ${path}: it must contain exactly one of ConditionCheck, Put, Delete or Update, found ${kinds.length}`,
    );
  }

  const actionPath = `${path}.${kind}`;
  const body = entry[kind];
  if (!isRecord(body)) throw validationError(`Invalid ${actionPath}: expected an object`);

  const tableName = body.TableName;
  if (typeof tableName !== 'string' || tableName === '') {
    throw validationError(`Invalid ${actionPath}.TableName: expected a non-empty string`);
  }

  const action: TransactionAction = {
    kind,
    path: actionPath,
    tableName,
    conditionExpression: optionalString(body, 'ConditionExpression', actionPath),
    expressionAttributeNames: optionalRecord(body, 'ExpressionAttributeNames', actionPath) as
      | Record<string, string>
      | undefined,
    expressionAttributeValues: optionalRecord(body, 'ExpressionAttributeValues', actionPath),
    returnOldItemOnConditionFailure: parseReturnValuesOnFailure(body, actionPath),
  };

  if (kind === 'Put') {
    action.item = requiredRecord(body, 'Item', actionPath);
    return action;
  }

  action.key = requiredRecord(body, 'Key', actionPath);
  if (kind === 'Update') {
    action.updateExpression = optionalString(body, 'UpdateExpression', actionPath);
    if (action.updateExpression === undefined) {
      throw validationError(`Missing ${actionPath}.UpdateExpression: an Update action needs one`);
    }
  }
  if (kind === 'ConditionCheck' && action.conditionExpression === undefined) {
    throw validationError(`Missing ${actionPath}.ConditionExpression: a ConditionCheck action needs one`);
  }
  return action;
}

function parseReturnValuesOnFailure(body: Record<string, unknown>, path: string): boolean {
  const value = optionalString(body, 'ReturnValuesOnConditionCheckFailure', path);
  if (value === undefined || value === 'NONE') return false;
  if (value === 'ALL_OLD') return true;
  throw validationError(`Invalid ${path}.ReturnValuesOnConditionCheckFailure '${value}': expected ALL_OLD or NONE`);
}

/** Takes the key attributes of a Put's item, as DynamoDB requires every one of them. */
function pickKey(action: TransactionAction, keyNames: string[]): WireAttributeMap {
  const item = action.item ?? {};
  const key: WireAttributeMap = {};
  for (const name of keyNames) {
    if (item[name] === undefined) {
      throw validationError(`One or more parameter values were invalid: Missing the key ${name} in the item`);
    }
    key[name] = item[name];
  }
  return key;
}

function itemIdentity(tableName: string, key: WireAttributeMap): string {
  const sortedKey = Object.entries(key).sort(([nameA], [nameB]) => nameA.localeCompare(nameB));
  return JSON.stringify([tableName, sortedKey]);
}

/** Applies one action to dynalite as the matching single-item call with the action's condition. */
async function sendAction(client: DynamoDBClient, action: TransactionAction): Promise<void> {
  const condition = {
    ConditionExpression: action.conditionExpression,
    ExpressionAttributeNames: action.expressionAttributeNames,
    ExpressionAttributeValues:
      action.expressionAttributeValues === undefined ? undefined : toSdkMap(action.expressionAttributeValues),
  };

  switch (action.kind) {
    case 'Put':
      await client.send(new PutItemCommand({ TableName: action.tableName, Item: toSdkMap(action.item ?? {}), ...condition }));
      return;
    case 'Delete':
      await client.send(new DeleteItemCommand({ TableName: action.tableName, Key: toSdkMap(action.key ?? {}), ...condition }));
      return;
    case 'Update':
      await client.send(
        new UpdateItemCommand({
          TableName: action.tableName,
          Key: toSdkMap(action.key ?? {}),
          UpdateExpression: action.updateExpression,
          ...condition,
        }),
      );
      return;
    case 'ConditionCheck':
      // An UpdateItem without updates evaluates the condition and changes no attribute.
      await client.send(new UpdateItemCommand({ TableName: action.tableName, Key: toSdkMap(action.key ?? {}), ...condition }));
      return;
  }
}

/** Converts an error from the SDK client into the error body that dynalite sent. */
function toDynamoDbError(error: unknown): DynamoDbError {
  if (error instanceof DynamoDbError) return error;

  if (error instanceof DynamoDBServiceException) {
    const type = error.name === 'ValidationException' ? VALIDATION_ERROR_TYPE : ERROR_NAMESPACE + error.name;
    return new DynamoDbError(error.$metadata.httpStatusCode ?? 400, type, error.message);
  }

  return new DynamoDbError(500, INTERNAL_ERROR_TYPE, `Local store request to dynalite failed: ${errorMessage(error)}`);
}

// The SDK takes and returns binary values (B, BS) as bytes, while DynamoDB JSON carries them as
// base64 strings. Every other attribute type has the same shape in both.

function toSdkMap(map: WireAttributeMap): SdkAttributeMap {
  const converted: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(map)) {
    converted[name] = toSdkValue(value);
  }
  return converted as SdkAttributeMap;
}

function toSdkValue(value: unknown): unknown {
  if (!isRecord(value)) return value;

  const converted: Record<string, unknown> = {};
  for (const [type, content] of Object.entries(value)) {
    if (type === 'B' && typeof content === 'string') {
      converted.B = Buffer.from(content, 'base64');
    } else if (type === 'BS' && Array.isArray(content)) {
      converted.BS = content.map((element) => (typeof element === 'string' ? Buffer.from(element, 'base64') : element));
    } else if (type === 'L' && Array.isArray(content)) {
      converted.L = content.map(toSdkValue);
    } else if (type === 'M' && isRecord(content)) {
      converted.M = toSdkMap(content);
    } else {
      converted[type] = content;
    }
  }
  return converted;
}

function toWireMap(map: SdkAttributeMap): WireAttributeMap {
  const converted: WireAttributeMap = {};
  for (const [name, value] of Object.entries(map)) {
    converted[name] = toWireValue(value);
  }
  return converted;
}

function toWireValue(value: AttributeValue): unknown {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) return { BS: value.BS.map((element) => Buffer.from(element).toString('base64')) };
  if (value.L !== undefined) return { L: value.L.map(toWireValue) };
  if (value.M !== undefined) return { M: toWireMap(value.M) };
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(body: Record<string, unknown>, field: string, path: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`Invalid ${path}.${field}: expected a string`);
  return value;
}

function optionalRecord(body: Record<string, unknown>, field: string, path: string): Record<string, unknown> | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw validationError(`Invalid ${path}.${field}: expected an object`);
  return value;
}

function requiredRecord(body: Record<string, unknown>, field: string, path: string): Record<string, unknown> {
  const value = optionalRecord(body, field, path);
  if (value === undefined) throw validationError(`Missing ${path}.${field}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

function isRunDirectly(): boolean {
  const scriptPath = process.argv[1];
  if (scriptPath === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(scriptPath)).href;
  } catch {
    return false;
  }
}

async function runCommandLine(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8000' },
      data: { type: 'string' },
    },
  });

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`Invalid --port '${values.port}': expected an integer from 0 to 65535`);
  }

  const store = await startLocalStore({ port, ...(values.data === undefined ? {} : { dataDir: values.data }) });
  process.stdout.write(JSON.stringify({ endpoint: store.endpoint }) + '\n');
  logger.info('Local store started', { endpoint: store.endpoint, dataDir: values.data ?? null });

  const stop = (signal: NodeJS.Signals): void => {
    logger.info('Local store stopping', { signal });
    store.close().then(
      () => {
        logger.info('Local store stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error('Closing the local store failed', { error });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (isRunDirectly()) {
  runCommandLine().catch((error: unknown) => {
    logger.error('Local store failed to start', { error });
    process.exitCode = 1;
  });
}
