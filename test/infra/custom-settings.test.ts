import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/routes';
import { allowOriginParameter } from '../../infra/problem-responses';
import { methods, resourcesOfType, synthesize, type MethodEntry, type Synthesized } from './synthesize';

const ORIGINS = ['https://app.rentmagic.example', 'https://admin.rentmagic.example'];

let synthesized: Synthesized;
let allMethods: MethodEntry[];

beforeAll(() => {
  synthesized = synthesize({
    stageName: 'prod',
    authorizerCacheTtlSeconds: '300',
    corsOrigins: ORIGINS.join(','),
    throttlingRateLimit: 20,
    throttlingBurstLimit: 40,
    logRetentionDays: 30,
    logLevel: 'debug',
    tableName: 'rentmagic-tokens',
  });
  allMethods = methods(synthesized.resources);
});

function single(type: string): Record<string, any> {
  const found = resourcesOfType(synthesized.resources, type);
  expect(found).toHaveLength(1);
  return found[0]![1].Properties!;
}

describe('stack with custom settings', () => {
  it('caches authorizer decisions for the configured TTL', () => {
    expect(single('AWS::ApiGateway::Authorizer').AuthorizerResultTtlInSeconds).toBe(300);
  });

  it('names the stage and throttles it', () => {
    const stage = single('AWS::ApiGateway::Stage');

    expect(stage.StageName).toBe('prod');
    expect(stage.MethodSettings[0]).toMatchObject({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
  });

  it('names the table', () => {
    expect(single('AWS::DynamoDB::Table').TableName).toBe('rentmagic-tokens');
  });

  it('keeps every log group for the configured days', () => {
    const retentions = resourcesOfType(synthesized.resources, 'AWS::Logs::LogGroup').map(
      ([, logGroup]) => logGroup.Properties?.RetentionInDays,
    );

    expect(retentions.length).toBe(9);
    expect(new Set(retentions)).toEqual(new Set([30]));
  });

  it('passes origins and log level to the functions', () => {
    for (const [, resource] of resourcesOfType(synthesized.resources, 'AWS::Lambda::Function')) {
      expect(resource.Properties?.Environment.Variables).toMatchObject({ CORS_ORIGINS: ORIGINS.join(','), LOG_LEVEL: 'debug' });
    }
  });

  it('points the flush permission at the configured stage', () => {
    const flushResources = resourcesOfType(synthesized.resources, 'AWS::IAM::Policy')
      .flatMap(([, policy]) => policy.Properties?.PolicyDocument.Statement)
      .filter((statement) => statement.Action === 'apigateway:DELETE')
      .map((statement) => JSON.stringify(statement.Resource));

    expect(flushResources).toHaveLength(2);
    for (const resource of flushResources) expect(resource).toContain('/stages/prod/cache/authorizers');
  });

  it('creates no route without a handler when upstreamUrl is unset', () => {
    const routed = allMethods.filter((method) => method.httpMethod !== 'OPTIONS');
    const handlerRoutes = ROUTES.filter((route) => route.handler).map((route) => `${route.method} ${route.path}`);

    expect(routed.map((method) => `${method.httpMethod} ${method.path}`).sort()).toEqual(handlerRoutes.sort());
    expect(allMethods.some((method) => method.properties.Integration?.Type === 'HTTP_PROXY')).toBe(false);
  });

  it('answers preflights for the listed origins only', () => {
    const preflight = allMethods.find((method) => method.httpMethod === 'OPTIONS' && method.path === '/tokens');
    const response = preflight!.properties.Integration.IntegrationResponses[0];
    const template: string = response.ResponseTemplates['application/json'];

    // CDK puts the first origin in the static header and matches the others in the template.
    expect(template).toContain(`#if($origin == "${ORIGINS[1]}")`);
    expect(response.ResponseParameters['method.response.header.Access-Control-Allow-Origin']).toBe(`'${ORIGINS[0]}'`);
    expect(response.ResponseParameters['method.response.header.Vary']).toBe("'Origin'");
  });

  it('echoes the Origin in gateway responses', () => {
    for (const [, response] of resourcesOfType(synthesized.resources, 'AWS::ApiGateway::GatewayResponse')) {
      const headers = response.Properties?.ResponseParameters;

      expect(headers['gatewayresponse.header.Access-Control-Allow-Origin']).toBe('method.request.header.Origin');
      expect(headers['gatewayresponse.header.Vary']).toBe("'Origin'");
    }
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    const { violations } = synthesized.nagChecks.validateScope(synthesized.app);

    expect(violations.map((violation) => violation.ruleName)).toEqual([]);
  });
});

describe('gateway response origin', () => {
  it('is a literal for any origin', () => {
    expect(allowOriginParameter(['*'])).toBe("'*'");
  });

  it('is the literal for one origin', () => {
    expect(allowOriginParameter(['https://app.rentmagic.example'])).toBe("'https://app.rentmagic.example'");
  });

  it('is the request Origin for several', () => {
    expect(allowOriginParameter(ORIGINS)).toBe('method.request.header.Origin');
  });
});
