import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK timeouts and retries, chosen so that the worst case stays below the Lambda timeout.
 *
 * The authorizer gets 2 attempts of at most 1 s each (connect 300 ms) plus backoff,
 * about 2.2 s against its 5 s Lambda timeout, because a client waits for it on every call.
 * Admin functions get 3 attempts of at most 1 s each, about 3.3 s for one call. The
 * slowest operation, a delete, makes two such calls plus the cache flush (2 attempts of
 * at most 1 s), about 8.7 s against the 10 s Lambda timeout. DynamoDB usually responds
 * in milliseconds, so 1 s only cuts off calls that have failed. The Lambda timeouts are
 * set in infra/token-service-stack.ts.
 */
export const AUTHORIZER_CLIENT_SETTINGS = { maxAttempts: 2, connectionTimeoutMs: 300, requestTimeoutMs: 1000 };
export const ADMIN_CLIENT_SETTINGS = { maxAttempts: 3, connectionTimeoutMs: 500, requestTimeoutMs: 1000 };

export type ClientSettings = typeof AUTHORIZER_CLIENT_SETTINGS;

/** Creates the document client; it opens no connection until the first request. */
export function createDocumentClient(settings: ClientSettings, endpoint?: string): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    maxAttempts: settings.maxAttempts,
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without this, @smithy/node-http-handler 4.x only logs a warning when requestTimeout
      // passes and the call waits for the store without limit.
      throwOnRequestTimeout: true,
    },
    ...(endpoint ? { endpoint } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}
