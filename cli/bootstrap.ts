import { generateTokenId } from '../functions/tokens/ids';
import type { TokenRepository } from '../functions/tokens/repository';
import { ALL_RIGHTS } from '../functions/tokens/rights';
import { createTokenBody } from '../functions/tokens/schemas';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import { BOOTSTRAP_CREATOR, TENANT_ID_PATTERN, type Token } from '../functions/tokens/token';

/**
 * Creates a tenant's admin token straight in the table. A tenant's first token must be
 * made this way, because POST /tokens needs a token of the tenant. The token has every
 * right and `createdBy: "bootstrap"`. Used by `npm run tokens -- bootstrap` and `npm start`.
 */
export interface BootstrapRequest {
  tenantId: string;
  name: string;
}

export interface BootstrapResult {
  token: Token;
  /** The secret. Only its hash is stored, so this is the one time it exists in clear. */
  secret: string;
}

/** Invalid input. `field` names the value, so a command line can name its option. */
export class BootstrapInputError extends Error {
  override name = 'BootstrapInputError';
  constructor(
    readonly field: 'tenantId' | 'name',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks the input as the API would and returns it normalized (the name trimmed).
 * Throws BootstrapInputError naming the invalid value.
 */
export function validateBootstrapRequest(request: BootstrapRequest): BootstrapRequest {
  if (!TENANT_ID_PATTERN.test(request.tenantId)) {
    throw new BootstrapInputError(
      'tenantId',
      `Invalid tenant id ${JSON.stringify(request.tenantId)}: use 1 to 63 lower-case letters, digits and hyphens, starting with a letter or digit.`,
    );
  }

  // The same rules as POST /tokens, so a bootstrap token could also have been created through the API.
  const parsed = createTokenBody.safeParse({ name: request.name, rights: [...ALL_RIGHTS] });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BootstrapInputError('name', `Invalid token name ${JSON.stringify(request.name)}: ${issue?.message ?? 'not accepted'}.`);
  }
  return { tenantId: request.tenantId, name: parsed.data.name };
}

/** Tells whether the tenant has any token yet. */
export async function tenantHasTokens(repository: TokenRepository, tenantId: string): Promise<boolean> {
  const page = await repository.listTokens(tenantId, { limit: 1 });
  return page.items.length > 0;
}

/** Validates the request, then writes the admin token and returns it with its secret. */
export async function bootstrapAdminToken(repository: TokenRepository, request: BootstrapRequest): Promise<BootstrapResult> {
  const { tenantId, name } = validateBootstrapRequest(request);

  const secret = generateSecret();
  const token: Token = {
    id: generateTokenId(),
    tenantId,
    name,
    rights: [...ALL_RIGHTS],
    createdAt: new Date().toISOString(),
    createdBy: BOOTSTRAP_CREATOR,
    hint: hintOf(secret),
  };
  await repository.createToken(token, hashSecret(secret));
  return { token, secret };
}
