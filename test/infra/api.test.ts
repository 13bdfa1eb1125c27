import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TITLES, problemTypeUri, type ProblemStatus } from '../../functions/http/problems';
import { ROUTES } from '../../functions/routes';
import {
  functionIds,
  methods,
  render,
  resourcesOfType,
  synthesize,
  type MethodEntry,
  type Synthesized,
} from './synthesize';

const UPSTREAM_URL = 'https://api.rentmagic.example/v2';

/** Gateway response type, HTTP status, and whether the response sends Retry-After. */
const EXPECTED_RESPONSES: [string, ProblemStatus, boolean][] = [
  ['UNAUTHORIZED', 401, false],
  ['ACCESS_DENIED', 403, false],
  ['MISSING_AUTHENTICATION_TOKEN', 404, false],
  ['RESOURCE_NOT_FOUND', 404, false],
  ['AUTHORIZER_FAILURE', 503, true],
  ['AUTHORIZER_CONFIGURATION_ERROR', 503, true],
  ['THROTTLED', 429, true],
  ['REQUEST_TOO_LARGE', 413, false],
  ['UNSUPPORTED_MEDIA_TYPE', 415, false],
  ['BAD_REQUEST_BODY', 400, false],
  ['BAD_REQUEST_PARAMETERS', 400, false],
  ['WAF_FILTERED', 403, false],
  ['INVALID_API_KEY', 403, false],
  ['QUOTA_EXCEEDED', 429, false],
  ['EXPIRED_TOKEN', 403, false],
  ['INVALID_SIGNATURE', 403, false],
  ['INTEGRATION_FAILURE', 503, true],
  ['INTEGRATION_TIMEOUT', 503, true],
  ['API_CONFIGURATION_ERROR', 500, false],
  ['DEFAULT_4XX', 400, false],
  ['DEFAULT_5XX', 500, false],
];

let synthesized: Synthesized;
let allMethods: MethodEntry[];
let authorizerId: string;

beforeAll(() => {
  synthesized = synthesize({ upstreamUrl: UPSTREAM_URL });
  allMethods = methods(synthesized.resources);
  authorizerId = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::Authorizer')[0]![0];
});

function methodFor(httpMethod: string, path: string): MethodEntry {
  const found = allMethods.find((method) => method.httpMethod === httpMethod && method.path === path);
  if (!found) throw new Error(`No method ${httpMethod} ${path}`);
  return found;
}

function gatewayResponse(type: string): Record<string, any> {
  const found = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::GatewayResponse').find(
    ([, resource]) => resource.Properties?.ResponseType === type,
  );
  if (!found) throw new Error(`No gateway response ${type}`);
  return found[1].Properties!;
}

describe('authorizer', () => {
  it('is one REQUEST authorizer on the Authorization header', () => {
    const authorizers = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);

    const properties = authorizers[0]![1].Properties!;
    expect(properties.Type).toBe('REQUEST');
    expect(properties.IdentitySource).toBe('method.request.header.Authorization');
    expect(properties.AuthorizerResultTtlInSeconds).toBe(60);
  });

  it('invokes the authorizer function', () => {
    const functionId = functionIds(synthesized, 'authorizer').function;
    const uri = JSON.stringify(synthesized.resources[authorizerId]!.Properties!.AuthorizerUri);

    expect(uri).toContain(`"${functionId}","Arn"`);
  });
});

describe('routes', () => {
  it.each(ROUTES.map((route) => [route.method, route.path, route.handler ?? 'upstream'] as const))(
    '%s %s (%s) is behind the authorizer',
    (httpMethod, path) => {
      const { properties } = methodFor(httpMethod, path);

      expect(properties.AuthorizationType).toBe('CUSTOM');
      expect(render(properties.AuthorizerId)).toBe(`\${${authorizerId}}`);
    },
  );

  it.each(ROUTES.filter((route) => route.handler).map((route) => [route.method, route.path, route.handler!] as const))(
    '%s %s invokes %s through a proxy integration',
    (httpMethod, path, handler) => {
      const integration = methodFor(httpMethod, path).properties.Integration;

      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(`"${functionIds(synthesized, handler).function}","Arn"`);
    },
  );

  it.each(ROUTES.filter((route) => !route.handler).map((route) => [route.method, route.path] as const))(
    '%s %s proxies to the upstream API',
    (httpMethod, path) => {
      const integration = methodFor(httpMethod, path).properties.Integration;

      expect(integration.Type).toBe('HTTP_PROXY');
      expect(integration.Uri).toBe(`${UPSTREAM_URL}${path}`);
      expect(integration.IntegrationHttpMethod).toBe(httpMethod);
      expect(integration.RequestParameters).toMatchObject({
        'integration.request.header.X-RentMagic-Tenant-Id': 'context.authorizer.tenantId',
        'integration.request.header.X-RentMagic-Token-Id': 'context.authorizer.tokenId',
        'integration.request.header.X-RentMagic-Rights': 'context.authorizer.rights',
      });
      if (path.includes('{id}')) {
        expect(integration.RequestParameters['integration.request.path.id']).toBe('method.request.path.id');
      }
    },
  );

  it('has one method per route and nothing else', () => {
    const routed = allMethods.filter((method) => method.httpMethod !== 'OPTIONS');
    const routeKeys = ROUTES.map((route) => `${route.method} ${route.path}`).sort();

    expect(routed.map((method) => `${method.httpMethod} ${method.path}`).sort()).toEqual(routeKeys);
  });
});

describe('CORS preflight', () => {
  const routedPaths = [...new Set(ROUTES.map((route) => route.path))];

  it.each(routedPaths)('OPTIONS %s needs no token', (path) => {
    const { properties } = methodFor('OPTIONS', path);

    expect(properties.AuthorizationType).toBe('NONE');
    expect(properties.AuthorizerId).toBeUndefined();
  });

  it.each(routedPaths)('OPTIONS %s allows the route methods and headers', (path) => {
    const { properties } = methodFor('OPTIONS', path);
    const headers = properties.Integration.IntegrationResponses[0].ResponseParameters;
    const expectedMethods = ROUTES.filter((route) => route.path === path).map((route) => route.method);

    expect(headers['method.response.header.Access-Control-Allow-Origin']).toBe("'*'");
    expect(headers['method.response.header.Access-Control-Allow-Headers']).toBe("'Authorization,Content-Type'");
    expect(headers['method.response.header.Access-Control-Allow-Methods']).toBe(`'${expectedMethods.join(',')}'`);
  });
});

describe('gateway responses', () => {
  it('cover every type once', () => {
    const types = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::GatewayResponse').map(
      ([, resource]) => resource.Properties?.ResponseType,
    );

    expect(types.sort()).toEqual(EXPECTED_RESPONSES.map(([type]) => type).sort());
  });

  it.each(EXPECTED_RESPONSES)('%s is a %i problem', (type, status, retryable) => {
    const properties = gatewayResponse(type);
    const headers = properties.ResponseParameters;

    expect(properties.StatusCode).toBe(String(status));
    expect(headers['gatewayresponse.header.Content-Type']).toBe(`'${PROBLEM_CONTENT_TYPE}'`);
    expect(headers['gatewayresponse.header.Access-Control-Allow-Origin']).toBe("'*'");
    expect(headers['gatewayresponse.header.Retry-After']).toBe(retryable ? "'1'" : undefined);

    const template: string = properties.ResponseTemplates['application/json'];
    expect(template.match(/\$/g)).toHaveLength(1);
    const body = JSON.parse(template.replace('$context.requestId', 'request-1'));
    expect(body).toEqual({
      type: problemTypeUri(status),
      title: PROBLEM_TITLES[status],
      status,
      detail: expect.any(String),
      requestId: 'request-1',
    });
  });

  it('send 404 for an unknown route', () => {
    expect(gatewayResponse('MISSING_AUTHENTICATION_TOKEN').StatusCode).toBe('404');
  });

  it('ask for a bearer token on 401', () => {
    const headers = gatewayResponse('UNAUTHORIZED').ResponseParameters;

    expect(headers['gatewayresponse.header.WWW-Authenticate']).toBe("'Bearer'");
  });

  it('let browsers read Retry-After', () => {
    const headers = gatewayResponse('AUTHORIZER_FAILURE').ResponseParameters;

    expect(headers['gatewayresponse.header.Access-Control-Expose-Headers']).toBe("'Retry-After'");
  });

  it('keep internals out of the 5xx body', () => {
    const body = JSON.parse(gatewayResponse('DEFAULT_5XX').ResponseTemplates['application/json']);

    expect(body.detail).toBe('The request failed because of an internal error.');
  });
});

describe('stage', () => {
  let stage: Record<string, any>;
  beforeAll(() => {
    const stages = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    stage = stages[0]![1].Properties!;
  });

  it('is named from the settings', () => {
    expect(stage.StageName).toBe('v1');
  });

  it('writes JSON access logs to a log group', () => {
    const format = JSON.parse(stage.AccessLogSetting.Format);
    const destination = render(stage.AccessLogSetting.DestinationArn);
    const logGroupId = /:log-group:\$\{([^}]+)\}$/.exec(destination)?.[1] ?? '';

    expect(format).toMatchObject({
      requestId: '$context.requestId',
      ip: '$context.identity.sourceIp',
      method: '$context.httpMethod',
      path: '$context.path',
      status: '$context.status',
      latencyMs: '$context.responseLatency',
      authorizerError: '$context.authorizer.error',
      principalId: '$context.authorizer.principalId',
    });
    expect(synthesized.resources[logGroupId]?.Type).toBe('AWS::Logs::LogGroup');
    expect(synthesized.resources[logGroupId]?.Properties?.RetentionInDays).toBe(90);
  });

  it('logs execution errors without request data', () => {
    expect(stage.MethodSettings).toEqual([
      expect.objectContaining({ HttpMethod: '*', ResourcePath: '/*', LoggingLevel: 'ERROR', DataTraceEnabled: false }),
    ]);
    expect(stage.TracingEnabled).toBe(false);
  });

  it('throttles with the default limits', () => {
    expect(stage.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
  });

  it('has the account role for execution logs', () => {
    const accounts = resourcesOfType(synthesized.resources, 'AWS::ApiGateway::Account');

    expect(accounts).toHaveLength(1);
    expect(render(accounts[0]![1].Properties?.CloudWatchRoleArn)).toMatch(/CloudWatchRole.*\.Arn/);
  });
});

describe('cdk-nag', () => {
  let violations: ReturnType<Synthesized['nagChecks']['validateScope']>['violations'];
  beforeAll(() => {
    violations = synthesized.nagChecks.validateScope(synthesized.app).violations;
  });

  it('reports no unacknowledged error', () => {
    const errors = violations.filter((violation) => violation.severity === 'error');

    expect(errors.map((violation) => `${violation.ruleName}: ${violation.description}`)).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    const warnings = violations.filter((violation) => violation.severity !== 'error');

    expect(warnings.map((violation) => `${violation.ruleName}: ${violation.description}`)).toEqual([]);
  });

  it('leaves no AwsSolutions annotation', () => {
    const annotations = Annotations.fromStack(synthesized.stack);

    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('lets the app synthesize with the plugin', () => {
    expect(() => synthesized.app.synth({ force: true })).not.toThrow();
  });
});
