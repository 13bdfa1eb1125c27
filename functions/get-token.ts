import { loadAdminDependencies, type AdminDependencies } from './shared/dependencies';
import { createHttpHandler } from './http/handler';
import { notFound } from './http/errors';
import { tokenIdParams } from './tokens/id-schemas';

/** GET /tokens/{id}: returns one token of the caller's tenant, never its secret. */
export function createGetTokenHandler(dependencies: AdminDependencies) {
  const { repository, logger, corsOrigins } = dependencies;

  return createHttpHandler<undefined, undefined, { id: string }>(
    { operation: 'getToken', schemas: { params: tokenIdParams }, logger, corsOrigins },
    async ({ caller, params }) => {
      const token = await repository.getToken(caller.tenantId, params.id);
      if (!token) throw notFound(`Token ${params.id} does not exist.`);
      return { status: 200, body: token };
    },
  );
}

export const handler = createGetTokenHandler(loadAdminDependencies());
