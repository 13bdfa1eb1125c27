/**
 * The catalogue of every right a token can hold.
 *
 * Token rights guard this service's own admin routes. Resource rights guard the
 * RentMagic API routes that the authorizer sits in front of. A right is
 * `<area>:<action>` in lower case and is matched exactly (no wildcards, no case folding).
 */
export const TOKEN_RIGHTS = ['tokens:read', 'tokens:create', 'tokens:delete'] as const;

export const RESOURCE_AREAS = ['items', 'orders', 'customers', 'invoices', 'planning'] as const;

export const RESOURCE_RIGHTS = RESOURCE_AREAS.flatMap((area) => [`${area}:read`, `${area}:write`] as const);

export const ALL_RIGHTS: readonly Right[] = [...TOKEN_RIGHTS, ...RESOURCE_RIGHTS];

export type TokenRight = (typeof TOKEN_RIGHTS)[number];
export type ResourceRight = `${(typeof RESOURCE_AREAS)[number]}:${'read' | 'write'}`;
export type Right = TokenRight | ResourceRight;

const knownRights: ReadonlySet<string> = new Set(ALL_RIGHTS);

export function isRight(value: string): value is Right {
  return knownRights.has(value);
}

/** Returns the rights in catalogue order with duplicates removed, so stored lists compare equal. */
export function normalizeRights(rights: Iterable<Right>): Right[] {
  const requested = new Set(rights);
  return ALL_RIGHTS.filter((right) => requested.has(right));
}

/** Returns the rights in `requested` that `holder` does not hold. */
export function missingRights(requested: readonly Right[], holder: readonly Right[]): Right[] {
  const holderRights = new Set(holder);
  return requested.filter((right) => !holderRights.has(right));
}
