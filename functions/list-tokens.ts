import { loadAdminDependencies, type AdminDependencies } from './shared/dependencies';
import { createHttpHandler } from './http/handler';
import { badRequest } from './http/errors';
import { decodeCursor, encodeCursor } from './tokens/cursor';
import { listTokensQuery } from './tokens/schemas';

/** GET /tokens: lists the caller's tenant's tokens, newest first, one store query per page. */
export function createListTokensHandler(dependencies: AdminDependencies) {
  const { repository, logger, corsOrigins } = dependencies;

  return createHttpHandler<undefined, { limit: number; cursor?: string }>(
    { operation: 'listTokens', schemas: { query: listTokensQuery }, logger, corsOrigins },
    async ({ caller, query }) => {
      let afterTokenId: string | undefined;
      if (query.cursor !== undefined) {
        const decoded = decodeCursor(query.cursor, caller.tenantId);
        if (!decoded.ok) throw badRequest('query.cursor', decoded.reason);
        afterTokenId = decoded.lastTokenId;
      }

      const page = await repository.listTokens(caller.tenantId, { limit: query.limit, afterTokenId });
      const nextCursor = page.lastTokenId ? encodeCursor(caller.tenantId, page.lastTokenId) : null;
      return { status: 200, body: { items: page.items, nextCursor } };
    },
  );
}

export const handler = createListTokensHandler(loadAdminDependencies());
