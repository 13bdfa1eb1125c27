import { loadAdminDependencies, type AdminDependencies } from './shared/dependencies';
import { createHttpHandler } from './http/handler';
import { HttpError } from './http/errors';

/** GET /whoami: returns the calling token's metadata, so integrators can check a token. */
export function createWhoamiHandler(dependencies: AdminDependencies) {
  const { repository, logger, corsOrigins } = dependencies;

  return createHttpHandler({ operation: 'whoami', logger, corsOrigins }, async ({ caller }) => {
    const token = await repository.getToken(caller.tenantId, caller.tokenId);
    // The authorizer accepted the token, so it existed a moment ago: it was deleted since.
    if (!token) throw new HttpError(401, 'The token is not valid.');
    return { status: 200, body: token };
  });
}

export const handler = createWhoamiHandler(loadAdminDependencies());
