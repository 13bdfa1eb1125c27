import { flushAfterDelete, loadDeleteDependencies, type DeleteDependencies } from './shared/authorizer-cache';
import { RETRY_AFTER_SECONDS, createHttpHandler } from './http/handler';
import { HttpError } from './http/errors';
import { StoreUnavailableError } from './tokens/errors';
import type { BulkDeleteResult } from './tokens/repository';
import { bulkDeleteBody } from './tokens/id-schemas';

/**
 * POST /tokens/delete: deletes up to 100 tokens of the caller's tenant and reports each
 * id as deleted or not found. When the store keeps failing on some ids, the response is
 * 503 with the same lists plus `failed`, so the client can tell exactly what to retry.
 */
export function createDeleteTokensHandler(dependencies: DeleteDependencies) {
  const { repository, logger, corsOrigins, flushAuthorizerCache } = dependencies;

  return createHttpHandler<{ ids: string[] }>(
    { operation: 'deleteTokens', schemas: { body: bulkDeleteBody }, logger, corsOrigins },
    async ({ caller, body, logger: requestLogger }) => {
      let result: BulkDeleteResult;
      try {
        result = await repository.deleteTokens(caller.tenantId, body.ids);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        // deleteTokens throws only when reading the tokens fails, which comes before any
        // delete, so every id is reported as failed and the response keeps its lists.
        requestLogger.error('bulk delete failed before deleting any token', { error });
        result = { deleted: [], notFound: [], failed: [...body.ids] };
      }

      if (result.deleted.length > 0) {
        requestLogger.info('tokens deleted', { tokenIds: result.deleted });
        await flushAfterDelete(flushAuthorizerCache, requestLogger, result.deleted);
      }

      if (result.failed.length > 0) {
        requestLogger.error('bulk delete incomplete', { failedTokenIds: result.failed });
        throw new HttpError(
          503,
          `${result.failed.length} of ${body.ids.length} tokens could not be deleted because the token store failed; retry those in "failed".`,
          { deleted: result.deleted, notFound: result.notFound, failed: result.failed },
          { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        );
      }
      return { status: 200, body: { deleted: result.deleted, notFound: result.notFound } };
    },
  );
}

export const handler = createDeleteTokensHandler(loadDeleteDependencies());
