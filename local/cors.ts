/**
 * CORS headers of the responses the local gateway makes itself: preflight responses and the
 * echo of RentMagic resource routes. Gateway responses (401, 403, 404 and so on) get theirs
 * in gateway-responses.ts.
 */

/** Request headers a preflight allows, and how long a browser may cache the preflight, as the CDK stack configures. */
export const PREFLIGHT_ALLOWED_HEADERS = ['Authorization', 'Content-Type'];
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

export { corsHeaders } from '../functions/http/cors';

/**
 * Returns the headers of the mock integration that CDK's `addCorsPreflight` deploys
 * (aws-cdk-lib 2.278). Access-Control-Allow-Origin is the first allowed origin, or the
 * request's Origin when it equals one of the others. A browser on any other origin then
 * gets a different origin and blocks the real request. With no allowed origins, a
 * local-only setting, the response has no CORS headers.
 */
export function preflightHeaders(
  origin: string | undefined,
  allowedOrigins: readonly string[],
  methods: readonly string[],
): Record<string, string> {
  const [firstOrigin, ...otherOrigins] = allowedOrigins;
  if (firstOrigin === undefined) return {};

  const allowOrigin = origin !== undefined && otherOrigins.includes(origin) ? origin : firstOrigin;
  return {
    'Access-Control-Allow-Headers': PREFLIGHT_ALLOWED_HEADERS.join(','),
    'Access-Control-Allow-Origin': allowOrigin,
    ...(firstOrigin === '*' ? {} : { Vary: 'Origin' }),
    'Access-Control-Allow-Methods': methods.join(','),
    'Access-Control-Max-Age': String(PREFLIGHT_MAX_AGE_SECONDS),
  };
}
