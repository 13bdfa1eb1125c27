import { Readable } from 'node:stream';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Store faults that the local store cannot produce (throttling, internal errors, timeouts,
 * cancelled transactions, unprocessed keys), injected into a real SDK client as middleware.
 *
 * The middleware sits in the SDK's `deserialize` step at low priority, so it is the last
 * middleware before the HTTP call and runs once per attempt, inside the SDK's retry loop.
 * An error fault replaces the store's HTTP response with a DynamoDB JSON error response.
 * The SDK's own deserializer turns it into the exception class it throws against AWS, and
 * its retry strategy classifies that exception as it would a real one. A timeout fault
 * throws the `TimeoutError` that the SDK's HTTP handler throws. Calls that no rule matches
 * go to the real local store unchanged.
 */
export type StoreOperation = 'GetItem' | 'Query' | 'BatchGetItem' | 'TransactWriteItems';

export type ServiceErrorName = 'ThrottlingException' | 'ProvisionedThroughputExceededException' | 'InternalServerError';

export type Fault =
  /** The store rejects the call with this error and changes nothing. */
  | { kind: 'serviceError'; name: ServiceErrorName }
  /**
   * The response never arrives. With `afterApplying`, the store received and applied the
   * call first, as when a response is lost on the way back.
   */
  | { kind: 'timeout'; afterApplying?: boolean }
  /** A TransactWriteItems is cancelled with `code` as the reason of its first action. */
  | { kind: 'transactionCanceled'; code: 'TransactionConflict' | 'ThrottlingError' }
  /** A BatchGetItem returns `count` of its keys (the last ones) as UnprocessedKeys, or all of them. */
  | { kind: 'unprocessedKeys'; count: number | 'all' };

export interface FaultRule {
  operation: StoreOperation;
  fault: Fault;
  /** Calls of the operation to let through before the first fault. Default 0. */
  skip?: number;
  /** Number of calls to fault; the default faults every call from then on. */
  times?: number;
}

export const SERVICE_ERROR_STATUS: Record<ServiceErrorName, number> = {
  ThrottlingException: 400,
  ProvisionedThroughputExceededException: 400,
  InternalServerError: 500,
};

const ERROR_NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const MIDDLEWARE_NAME = 'injectStoreFaults';

// Minimal shapes of the SDK's deserialize-step middleware; the SDK's own types live in
// @smithy/types, which this project does not depend on directly.
interface WireRequest {
  body?: unknown;
}
interface WireResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: unknown;
}
type Handler = (args: { request: WireRequest }) => Promise<{ response: WireResponse; output?: unknown }>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;
type AddMiddleware = (middleware: Middleware, options: { step: 'deserialize'; priority: 'low'; name: string }) => void;

interface ActiveRule extends FaultRule {
  seen: number;
  injected: number;
}

/** Adds fault rules to one SDK client and counts every attempt per operation. */
export class FaultInjector {
  private rules: ActiveRule[] = [];
  private readonly attemptCounts = new Map<string, number>();

  constructor(client: DynamoDBClient | DynamoDBDocumentClient) {
    // A document client shares its middleware stack with the client it wraps.
    const add = client.middlewareStack.add.bind(client.middlewareStack) as unknown as AddMiddleware;
    add((next, context) => (args) => this.handle(next, context.commandName ?? '', args), {
      step: 'deserialize',
      priority: 'low',
      name: MIDDLEWARE_NAME,
    });
  }

  add(rule: FaultRule): this {
    this.rules.push({ ...rule, seen: 0, injected: 0 });
    return this;
  }

  clear(): void {
    this.rules = [];
    this.attemptCounts.clear();
  }

  /** Returns the number of attempts the SDK made for the operation, faulted or not. */
  attempts(operation: StoreOperation): number {
    return this.attemptCounts.get(operation) ?? 0;
  }

  /** Returns the number of faults injected into the operation. */
  injected(operation: StoreOperation): number {
    return this.rules.filter((rule) => rule.operation === operation).reduce((sum, rule) => sum + rule.injected, 0);
  }

  private async handle(next: Handler, commandName: string, args: { request: WireRequest }) {
    const operation = commandName.replace(/Command$/, '');
    this.attemptCounts.set(operation, (this.attemptCounts.get(operation) ?? 0) + 1);

    const rule = this.rules.find((candidate) => candidate.operation === operation && this.takesCall(candidate));
    if (!rule) return next(args);
    rule.injected++;
    return applyFault(rule.fault, next, args);
  }

  /** Counts the call against the rule and returns whether the rule faults it. */
  private takesCall(rule: ActiveRule): boolean {
    const index = rule.seen++;
    const skip = rule.skip ?? 0;
    return index >= skip && index < skip + (rule.times ?? Number.POSITIVE_INFINITY);
  }
}

async function applyFault(fault: Fault, next: Handler, args: { request: WireRequest }) {
  switch (fault.kind) {
    case 'serviceError':
      return { response: errorResponse(SERVICE_ERROR_STATUS[fault.name], fault.name, { message: 'Injected fault' }) };

    case 'timeout':
      if (fault.afterApplying) await consume(await next(args));
      // The error the SDK's node HTTP handler raises when requestTimeout passes.
      throw Object.assign(new Error('Injected fault: the request exceeded its requestTimeout'), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      });

    case 'transactionCanceled': {
      const actionCount = requestBody(args.request).TransactItems?.length ?? 1;
      const reasons = Array.from({ length: actionCount }, (_, index) =>
        index === 0 ? { Code: fault.code, Message: 'Injected fault' } : { Code: 'None' },
      );
      const codes = reasons.map((reason) => reason.Code).join(', ');
      return {
        response: errorResponse(400, 'TransactionCanceledException', {
          Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`,
          CancellationReasons: reasons,
        }),
      };
    }

    case 'unprocessedKeys':
      return { response: await withUnprocessedKeys(await next(args), requestBody(args.request), fault.count) };
  }
}

interface BatchGetBody {
  TransactItems?: unknown[];
  RequestItems?: Record<string, { Keys?: Record<string, unknown>[]; [option: string]: unknown }>;
}

/** Parses the JSON body of a serialized request, which the SDK keeps as a string or as bytes. */
function requestBody(request: WireRequest): BatchGetBody {
  const { body } = request;
  if (typeof body === 'string') return JSON.parse(body) as BatchGetBody;
  // TextDecoder reads the bytes; Buffer.from would call the SDK body's valueOf, which warns.
  if (body instanceof Uint8Array) return JSON.parse(new TextDecoder().decode(body)) as BatchGetBody;
  throw new Error(`Cannot read the request body to inject a fault: it is a ${typeof body}`);
}

/**
 * Rewrites a real BatchGetItem response so that the last `count` requested keys of each table
 * come back unprocessed, and their items are removed from Responses.
 */
async function withUnprocessedKeys(
  result: { response: WireResponse },
  request: BatchGetBody,
  count: number | 'all',
): Promise<WireResponse> {
  const text = await readBody(result.response.body);
  const body = JSON.parse(text) as {
    Responses?: Record<string, Record<string, unknown>[]>;
    UnprocessedKeys?: Record<string, unknown>;
  };

  const unprocessed: Record<string, unknown> = {};
  for (const [tableName, entry] of Object.entries(request.RequestItems ?? {})) {
    const keys = entry.Keys ?? [];
    const withheld = count === 'all' ? keys : keys.slice(Math.max(0, keys.length - count));
    if (withheld.length === 0) continue;

    const withheldIds = new Set(withheld.map(keyIdentity));
    body.Responses = body.Responses ?? {};
    body.Responses[tableName] = (body.Responses[tableName] ?? []).filter((item) => !withheldIds.has(keyIdentity(item)));
    unprocessed[tableName] = { ...entry, Keys: withheld };
  }
  body.UnprocessedKeys = unprocessed;

  const rewritten = JSON.stringify(body);
  return {
    statusCode: result.response.statusCode,
    headers: { ...withoutLengthHeaders(result.response.headers), 'content-length': String(Buffer.byteLength(rewritten)) },
    body: Readable.from([Buffer.from(rewritten)]),
  };
}

/** Identifies an item or key by its sort key, which is unique among the keys of one tenant's batch. */
function keyIdentity(item: Record<string, unknown>): string {
  return JSON.stringify(item.SK);
}

function errorResponse(status: number, type: string, fields: Record<string, unknown>): WireResponse {
  const body = JSON.stringify({ __type: ERROR_NAMESPACE + type, ...fields });
  return {
    statusCode: status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': String(Buffer.byteLength(body)),
      'x-amzn-requestid': 'injected-fault',
    },
    body: Readable.from([Buffer.from(body)]),
  };
}

async function consume(result: { response: WireResponse }): Promise<void> {
  await readBody(result.response.body);
}

async function readBody(body: unknown): Promise<string> {
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function withoutLengthHeaders(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'content-length' && lower !== 'x-amz-crc32') kept[name] = value;
  }
  return kept;
}
