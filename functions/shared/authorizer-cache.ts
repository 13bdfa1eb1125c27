import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway';
import { readEnvironment, type Environment } from './config';
import { loadAdminDependencies, type AdminDependencies } from './dependencies';
import type { Logger } from './logger';

/** Flushes the stage's authorizer cache, so a deleted token stops working at once. */
export type AuthorizerCacheFlusher = () => Promise<void>;

/**
 * Creates the flusher the delete functions call after a successful delete. Only they
 * import this module, so the other bundles do not carry the API Gateway client.
 */
export function createAuthorizerCacheFlusher(environment: Environment): AuthorizerCacheFlusher {
  const { restApiId, stageName, apigatewayEndpoint } = environment;
  if (!restApiId || !stageName) {
    throw new Error('Missing environment variable REST_API_ID or STAGE_NAME, needed to flush the authorizer cache');
  }

  // The client is built on the first flush, so a cold start does not pay for it.
  let apiGateway: APIGatewayClient | undefined;
  return async () => {
    apiGateway ??= new APIGatewayClient({
      maxAttempts: 2,
      // throwOnRequestTimeout makes requestTimeout end the call, where the SDK would otherwise only log a warning.
      requestHandler: { connectionTimeout: 500, requestTimeout: 1000, throwOnRequestTimeout: true },
      ...(apigatewayEndpoint ? { endpoint: apigatewayEndpoint } : {}),
    });
    await apiGateway.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName }));
  };
}

/** Flushes the authorizer cache and logs, rather than fails, when the flush does not work. */
export async function flushAfterDelete(flush: AuthorizerCacheFlusher, logger: Logger, tokenIds: string[]): Promise<void> {
  try {
    await flush();
  } catch (error) {
    logger.error('authorizer cache flush failed; deleted tokens work until the cache TTL ends', { error, tokenIds });
  }
}

export interface DeleteDependencies extends AdminDependencies {
  flushAuthorizerCache: AuthorizerCacheFlusher;
}

export function loadDeleteDependencies(environment: Environment = readEnvironment()): DeleteDependencies {
  return { ...loadAdminDependencies(environment), flushAuthorizerCache: createAuthorizerCacheFlusher(environment) };
}
