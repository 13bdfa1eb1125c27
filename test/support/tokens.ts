import { generateTokenId } from '../../functions/tokens/ids';
import type { TokenRepository } from '../../functions/tokens/repository';
import { generateSecret, hashSecret, hintOf } from '../../functions/tokens/secret';
import { BOOTSTRAP_CREATOR, type Token } from '../../functions/tokens/token';

export interface SeededToken {
  token: Token;
  secret: string;
}

/** Writes a token straight through the repository, as the bootstrap command does, and returns it with its secret. */
export async function seedToken(repository: TokenRepository, overrides: Partial<Token> = {}): Promise<SeededToken> {
  const secret = generateSecret();
  const token: Token = {
    id: generateTokenId(),
    tenantId: 'acme',
    name: 'Seeded token',
    rights: ['items:read'],
    createdAt: new Date().toISOString(),
    createdBy: BOOTSTRAP_CREATOR,
    hint: hintOf(secret),
    ...overrides,
  };
  await repository.createToken(token, hashSecret(secret));
  return { token, secret };
}

/** Runs `work` over `items` with at most `limit` calls in flight, and returns the results in input order. */
export async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let nextIndex = 0;

  const worker = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
