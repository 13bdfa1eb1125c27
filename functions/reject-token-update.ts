import { loadAdminDependencies, type AdminDependencies } from './shared/dependencies';
import { createHttpHandler } from './http/handler';
import { HttpError } from './http/errors';

/** Methods a token resource accepts, for the Allow header. */
export const TOKEN_RESOURCE_METHODS = 'GET, DELETE';

/** PUT and PATCH /tokens/{id}: tokens are immutable, so every change is a new token. */
export function createRejectTokenUpdateHandler(dependencies: AdminDependencies) {
  const { logger, corsOrigins } = dependencies;

  return createHttpHandler({ operation: 'rejectTokenUpdate', logger, corsOrigins }, async () => {
    throw new HttpError(
      405,
      'Tokens cannot be changed. Create a new token with the fields you need (POST /tokens), then delete this one.',
      {},
      { Allow: TOKEN_RESOURCE_METHODS },
    );
  });
}

export const handler = createRejectTokenUpdateHandler(loadAdminDependencies());
