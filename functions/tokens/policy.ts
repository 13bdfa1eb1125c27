import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { ROUTES, type Route } from '../routes';
import type { Right } from '../tokens/rights';

/** The error message a Lambda authorizer throws to make API Gateway respond with 401. */
export const UNAUTHORIZED_MESSAGE = 'Unauthorized';

/**
 * Builds the IAM policy for a token: Allow on exactly the method ARNs of the routes its
 * rights permit, for every route at once. API Gateway caches the policy per
 * Authorization header and reuses it on other routes, so it must never depend on the
 * route of the request that produced it. Anything not allowed is denied, and API
 * Gateway returns 403 for it.
 */
export function allowedMethodArns(methodArn: string, rights: readonly Right[]): string[] {
  const prefix = stagePrefix(methodArn);
  const grantedRights = new Set(rights);
  return ROUTES.filter((route) => route.right === null || grantedRights.has(route.right)).map((route) =>
    methodArnOf(prefix, route),
  );
}

export function buildPolicy(
  principalId: string,
  methodArn: string,
  rights: readonly Right[],
  context: Record<string, string>,
): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allowedMethodArns(methodArn, rights) }],
    },
    context,
  };
}

/**
 * Returns `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>` from a method ARN
 * such as `arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/tokens/tok_1`.
 */
export function stagePrefix(methodArn: string): string {
  const [apiPart = '', stage = ''] = methodArn.split('/');
  if (!apiPart.startsWith('arn:') || !stage) throw new Error(`Unexpected method ARN: ${methodArn}`);
  return `${apiPart}/${stage}`;
}

/** Path parameters become `*`, so one statement covers every id. */
export function methodArnOf(prefix: string, route: Pick<Route, 'method' | 'path'>): string {
  return `${prefix}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}
