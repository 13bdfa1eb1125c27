import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { Logger } from '../functions/shared/logger';
import { readAuthorizerOutput, type AuthorizerGrant } from './iam-policy';
import { invokeLambda, type LambdaFunction } from './lambda-functions';
import type { PolicyCache } from './policy-cache';
import { UNAUTHORIZED_MESSAGE } from '../functions/tokens/policy';

/**
 * Runs the REQUEST authorizer with the stage's cache in front, the way API Gateway does:
 *
 * - An error whose message is exactly "Unauthorized" means 401.
 * - Any other error, a timeout included, means AUTHORIZER_FAILURE.
 * - Output that is not a valid policy means AUTHORIZER_CONFIGURATION_ERROR.
 * - Valid output is cached per identity-source value and reused on every route,
 *   whether its statements allow or deny.
 *
 * NOTE: The API Gateway documentation does not say whether an "Unauthorized" result is
 * cached. This gateway does not cache it, nor failures and invalid output, so a 401 is
 * never served for a token the store would now accept.
 */

export type AuthorizationOutcome =
  | { kind: 'grant'; grant: AuthorizerGrant; source: AuthorizerSource; latencyMs: number }
  | { kind: 'unauthorized'; source: AuthorizerSource }
  | { kind: 'failure'; source: AuthorizerSource }
  | { kind: 'configuration-error'; source: AuthorizerSource };

/** Source of a decision: the cache, or a call of the authorizer function. */
export type AuthorizerSource = 'cached' | 'invoked';

export interface AuthorizationDependencies {
  authorizer: LambdaFunction;
  cache: PolicyCache;
  logger: Logger;
  /** Called once per authorizer invocation, for the gateway's counters. */
  onInvoke: () => void;
}

export class Authorization {
  constructor(private readonly dependencies: AuthorizationDependencies) {}

  /**
   * Decides for one request. `identityKey` is the cache key made from the identity
   * source, and `buildEvent` runs only when the authorizer is called.
   */
  async authorize(identityKey: string, buildEvent: () => APIGatewayRequestAuthorizerEvent): Promise<AuthorizationOutcome> {
    const { authorizer, cache, logger, onInvoke } = this.dependencies;

    const cached = cache.get(identityKey);
    if (cached) return { kind: 'grant', grant: cached, source: 'cached', latencyMs: 0 };

    const event = buildEvent();
    const requestId = event.requestContext.requestId;
    const startedAt = performance.now();
    onInvoke();

    let output: unknown;
    try {
      output = await invokeLambda(authorizer, event);
    } catch (error) {
      if (error instanceof Error && error.message === UNAUTHORIZED_MESSAGE) return { kind: 'unauthorized', source: 'invoked' };

      logger.error('authorizer failed', { requestId, error });
      return { kind: 'failure', source: 'invoked' };
    }

    const check = readAuthorizerOutput(output);
    if (!check.ok) {
      logger.error('authorizer returned invalid output', { requestId, reason: check.reason });
      return { kind: 'configuration-error', source: 'invoked' };
    }

    cache.set(identityKey, check.grant);
    return { kind: 'grant', grant: check.grant, source: 'invoked', latencyMs: Math.round(performance.now() - startedAt) };
  }
}
