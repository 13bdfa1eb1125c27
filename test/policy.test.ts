import { describe, expect, it } from 'vitest';
import { ROUTES } from '../functions/routes';
import { allowedMethodArns, methodArnOf, stagePrefix } from '../functions/tokens/policy';
import { ALL_RIGHTS, RESOURCE_RIGHTS, TOKEN_RIGHTS, isRight, missingRights, normalizeRights } from '../functions/tokens/rights';

const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/GET/tokens/tok_X';
const PREFIX = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1';

describe('rights catalogue', () => {
  it('lists token and resource rights once', () => {
    expect(new Set(ALL_RIGHTS).size).toBe(ALL_RIGHTS.length);
    expect(ALL_RIGHTS).toEqual([...TOKEN_RIGHTS, ...RESOURCE_RIGHTS]);
    expect(RESOURCE_RIGHTS).toContain('invoices:write');
  });

  it('matches rights exactly', () => {
    expect(isRight('items:read')).toBe(true);
    expect(isRight('ITEMS:READ')).toBe(false);
    expect(isRight('items:*')).toBe(false);
    expect(isRight('*')).toBe(false);
    expect(isRight(' items:read')).toBe(false);
  });

  it('normalizes to catalogue order without duplicates', () => {
    expect(normalizeRights(['items:write', 'tokens:read', 'items:write'])).toEqual(['tokens:read', 'items:write']);
  });

  it('reports rights the holder lacks', () => {
    expect(missingRights(['items:read', 'tokens:delete'], ['items:read'])).toEqual(['tokens:delete']);
  });
});

describe('route table', () => {
  it('has one entry per method and path', () => {
    const keys = ROUTES.map((route) => `${route.method} ${route.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('guards every right-bearing route with a known right', () => {
    for (const route of ROUTES) {
      if (route.right !== null) expect(isRight(route.right), `${route.method} ${route.path}`).toBe(true);
    }
  });

  it('names a handler for every token route', () => {
    for (const route of ROUTES.filter((candidate) => candidate.path.startsWith('/tokens'))) {
      expect(route.handler, `${route.method} ${route.path}`).toBeDefined();
    }
  });
});

describe('policy', () => {
  it('takes the stage prefix from the method ARN', () => {
    expect(stagePrefix(METHOD_ARN)).toBe(PREFIX);
    expect(() => stagePrefix('not-an-arn')).toThrow(/Unexpected method ARN/);
  });

  it('turns path parameters into wildcards', () => {
    expect(methodArnOf(PREFIX, { method: 'DELETE', path: '/tokens/{id}' })).toBe(`${PREFIX}/DELETE/tokens/*`);
  });

  it('allows only open routes without rights', () => {
    const arns = allowedMethodArns(METHOD_ARN, []);
    expect(arns.sort()).toEqual(
      [`${PREFIX}/GET/whoami`, `${PREFIX}/PATCH/tokens/*`, `${PREFIX}/PUT/tokens/*`].sort(),
    );
  });

  it('allows exactly the routes of each right', () => {
    for (const right of ALL_RIGHTS) {
      const arns = new Set(allowedMethodArns(METHOD_ARN, [right]));
      for (const route of ROUTES) {
        const expected = route.right === null || route.right === right;
        expect(arns.has(methodArnOf(PREFIX, route)), `${right} on ${route.method} ${route.path}`).toBe(expected);
      }
    }
  });

  it('does not depend on the requested route', () => {
    const other = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/v1/POST/tokens';
    expect(allowedMethodArns(other, ['tokens:read'])).toEqual(allowedMethodArns(METHOD_ARN, ['tokens:read']));
  });
});
