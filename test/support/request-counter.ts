import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One HTTP request a client sent to the store. */
export interface RecordedRequest {
  /** SDK command name without the `Command` suffix, such as `GetItem` or `TransactWriteItems`. */
  operation: string;
  /** The parsed response of the store, or undefined when the request failed. */
  output?: Record<string, unknown>;
}

export interface RequestCounter {
  readonly requests: readonly RecordedRequest[];
  /** Returns the number of requests of one operation, or of all operations without an argument. */
  count(operation?: string): number;
  /** Returns the number of requests per operation, for assertions that also rule out other operations. */
  countsByOperation(): Record<string, number>;
  reset(): void;
}

const MIDDLEWARE_NAME = 'requestCounter';

/**
 * Adds middleware to the client's stack that records every request it sends.
 *
 * It sits in the deserialize step, which runs once per HTTP attempt, inside the SDK's
 * retry middleware, so an SDK retry counts as a request of its own. A document client
 * shares its stack with the client it wraps, so either one may be passed. Its priority
 * puts it outside the response parser, so `output` is the parsed response.
 */
export function countRequests(client: DynamoDBClient | DynamoDBDocumentClient): RequestCounter {
  const requests: RecordedRequest[] = [];

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request: RecordedRequest = { operation: operationOf(context.commandName) };
      requests.push(request);
      const result = await next(args);
      request.output = result.output as Record<string, unknown>;
      return result;
    },
    { step: 'deserialize', priority: 'high', name: MIDDLEWARE_NAME, override: true },
  );

  return {
    requests,
    count: (operation) => (operation === undefined ? requests.length : requests.filter((r) => r.operation === operation).length),
    countsByOperation: () => {
      const counts: Record<string, number> = {};
      for (const request of requests) counts[request.operation] = (counts[request.operation] ?? 0) + 1;
      return counts;
    },
    reset: () => {
      requests.length = 0;
    },
  };
}

function operationOf(commandName: string | undefined): string {
  if (!commandName) return 'unknown';
  return commandName.endsWith('Command') ? commandName.slice(0, -'Command'.length) : commandName;
}
