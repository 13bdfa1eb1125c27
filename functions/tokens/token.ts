import type { Right } from './rights';

/** A token's metadata as stored and as returned by the API. It never contains the secret. */
export interface Token {
  id: string;
  tenantId: string;
  name: string;
  description?: string;
  owner?: string;
  rights: Right[];
  /** ISO 8601 instant in UTC; absent means the token never expires. */
  expiresAt?: string;
  createdAt: string;
  /** Id of the token that created this one, or `bootstrap` for a tenant's first token. */
  createdBy: string;
  /** Non-secret fragment of the secret, so people can tell tokens apart. */
  hint: string;
}

/** The grant the authorizer reads for a presented secret. */
export interface SecretGrant {
  tenantId: string;
  tokenId: string;
  rights: Right[];
  expiresAt?: string;
  /** The stored hash, compared again in constant time by the authorizer. */
  secretHash: string;
}

export const BOOTSTRAP_CREATOR = 'bootstrap';

/** Tenant ids are lower-case slugs, so they fit keys, cursors and log fields unescaped. */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isExpired(expiresAt: string | undefined, now: number): boolean {
  return expiresAt !== undefined && Date.parse(expiresAt) <= now;
}
