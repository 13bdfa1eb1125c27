import { loadAdminDependencies, type AdminDependencies } from './shared/dependencies';
import { createHttpHandler } from './http/handler';
import { HttpError } from './http/errors';
import { generateTokenId } from './tokens/ids';
import { missingRights } from './tokens/rights';
import { createTokenBody, type CreateTokenBody } from './tokens/schemas';
import { generateSecret, hashSecret, hintOf } from './tokens/secret';
import type { Token } from './tokens/token';

/**
 * POST /tokens: creates a token in the caller's tenant and returns its secret, the
 * only time the secret is ever shown. The caller may grant only rights it holds, and a
 * caller that expires may create only tokens that expire no later than itself.
 */
export function createCreateTokenHandler(dependencies: AdminDependencies) {
  const { repository, logger, corsOrigins } = dependencies;

  return createHttpHandler<CreateTokenBody>(
    { operation: 'createToken', schemas: { body: createTokenBody }, logger, corsOrigins },
    async ({ caller, body, logger: requestLogger, event }) => {
      const lacking = missingRights(body.rights, caller.rights);
      if (lacking.length > 0) {
        throw new HttpError(403, `You cannot grant rights you do not hold: ${lacking.join(', ')}.`, {
          missingRights: lacking,
        });
      }

      if (caller.expiresAt && (!body.expiresAt || body.expiresAt > caller.expiresAt)) {
        throw new HttpError(
          403,
          `Your token expires at ${caller.expiresAt}, so the new token must expire no later: set expiresAt to ${caller.expiresAt} or earlier.`,
          { errors: [{ path: 'body.expiresAt', message: `must be at most ${caller.expiresAt}, when the calling token expires` }] },
        );
      }

      const secret = generateSecret();
      const token: Token = {
        id: generateTokenId(),
        tenantId: caller.tenantId,
        name: body.name,
        ...(body.description ? { description: body.description } : {}),
        ...(body.owner ? { owner: body.owner } : {}),
        rights: body.rights,
        ...(body.expiresAt ? { expiresAt: body.expiresAt } : {}),
        createdAt: new Date().toISOString(),
        createdBy: caller.tokenId,
        hint: hintOf(secret),
      };
      await repository.createToken(token, hashSecret(secret));

      requestLogger.info('token created', { tokenId: token.id, rights: token.rights });
      // The path the client called, such as /v1/tokens behind a stage or a custom domain's base path.
      const collectionPath = (event.requestContext?.path ?? event.path).replace(/\/+$/, '');
      return {
        status: 201,
        headers: { Location: `${collectionPath}/${token.id}`, 'Cache-Control': 'no-store' },
        body: { ...token, secret },
      };
    },
  );
}

export const handler = createCreateTokenHandler(loadAdminDependencies());
