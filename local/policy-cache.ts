import type { AuthorizerGrant } from './iam-policy';

/**
 * The stage's authorizer cache: the authorizer's output per identity-source value (the
 * Authorization header), kept for the TTL and shared by every route, as API Gateway does.
 * A cached policy is evaluated again against each request's own method ARN.
 *
 * The number of entries is bounded so that a client sending a new header value on every
 * request cannot grow it without limit: past the bound the oldest entry is dropped.
 * NOTE: API Gateway documents no such bound; MAX_ENTRIES is a local choice.
 */
export const MAX_ENTRIES = 10_000;

interface Entry {
  grant: AuthorizerGrant;
  expiresAt: number;
}

export class PolicyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): AuthorizerGrant | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.grant;
  }

  set(key: string, grant: AuthorizerGrant): void {
    if (!this.enabled) return;

    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { grant, expiresAt: this.now() + this.ttlMs });
  }

  /** Drops every entry and returns how many there were. */
  clear(): number {
    const count = this.entries.size;
    this.entries.clear();
    return count;
  }
}
