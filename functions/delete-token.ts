import { flushAfterDelete, loadDeleteDependencies, type DeleteDependencies } from './shared/authorizer-cache';
import { createHttpHandler } from './http/handler';
import { notFound } from './http/errors';
import { tokenIdParams } from './tokens/id-schemas';

/**
 * DELETE /tokens/{id}: deletes a token for good, then flushes the authorizer cache so
 * the token stops working at once. If the flush fails, the cache TTL bounds the delay.
 */
export function createDeleteTokenHandler(dependencies: DeleteDependencies) {
  const { repository, logger, corsOrigins, flushAuthorizerCache } = dependencies;

  return createHttpHandler<undefined, undefined, { id: string }>(
    { operation: 'deleteToken', schemas: { params: tokenIdParams }, logger, corsOrigins },
    async ({ caller, params, logger: requestLogger }) => {
      const deleted = await repository.deleteToken(caller.tenantId, params.id);
      if (!deleted) throw notFound(`Token ${params.id} does not exist.`);

      requestLogger.info('token deleted', { tokenId: params.id });
      await flushAfterDelete(flushAuthorizerCache, requestLogger, [params.id]);
      return { status: 204 };
    },
  );
}

export const handler = createDeleteTokenHandler(loadDeleteDependencies());
