import type { Right } from './tokens/rights';
import { RESOURCE_AREAS } from './tokens/rights';

/**
 * The route table: every route of the API with the right it needs.
 *
 * The CDK stack builds API Gateway methods from it, the authorizer derives its
 * IAM policy from it, and the local gateway routes requests with it, so the three
 * can never disagree. `right: null` means any valid token may call the route.
 *
 * `handler` names the Lambda function of a token-service route (the file
 * `functions/<handler>.ts`). Routes without a handler belong to the RentMagic API
 * behind the same gateway: this service only guards them.
 */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type HandlerName =
  | 'create-token'
  | 'list-tokens'
  | 'get-token'
  | 'delete-token'
  | 'delete-tokens'
  | 'whoami'
  | 'reject-token-update';

export interface Route {
  method: HttpMethod;
  /** API Gateway resource path; `{name}` marks a path parameter that matches one segment. */
  path: string;
  right: Right | null;
  handler?: HandlerName;
}

const tokenRoutes: Route[] = [
  { method: 'POST', path: '/tokens', right: 'tokens:create', handler: 'create-token' },
  { method: 'GET', path: '/tokens', right: 'tokens:read', handler: 'list-tokens' },
  { method: 'POST', path: '/tokens/delete', right: 'tokens:delete', handler: 'delete-tokens' },
  { method: 'GET', path: '/tokens/{id}', right: 'tokens:read', handler: 'get-token' },
  { method: 'DELETE', path: '/tokens/{id}', right: 'tokens:delete', handler: 'delete-token' },
  // Tokens are immutable. Any valid token learns that with a 405, not a 403.
  { method: 'PUT', path: '/tokens/{id}', right: null, handler: 'reject-token-update' },
  { method: 'PATCH', path: '/tokens/{id}', right: null, handler: 'reject-token-update' },
  { method: 'GET', path: '/whoami', right: null, handler: 'whoami' },
];

const resourceRoutes: Route[] = RESOURCE_AREAS.flatMap((area): Route[] => [
  { method: 'GET', path: `/${area}`, right: `${area}:read` },
  { method: 'GET', path: `/${area}/{id}`, right: `${area}:read` },
  { method: 'POST', path: `/${area}`, right: `${area}:write` },
  { method: 'PUT', path: `/${area}/{id}`, right: `${area}:write` },
  { method: 'PATCH', path: `/${area}/{id}`, right: `${area}:write` },
  { method: 'DELETE', path: `/${area}/{id}`, right: `${area}:write` },
]);

export const ROUTES: readonly Route[] = [...tokenRoutes, ...resourceRoutes];

/** The methods each path accepts, for `Allow` headers and 405 responses. */
export function allowedMethods(path: string): HttpMethod[] {
  return ROUTES.filter((route) => route.path === path).map((route) => route.method);
}
