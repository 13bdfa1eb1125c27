import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import {
  AuthorizationType,
  EndpointType,
  HttpIntegration,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  RestApi,
  type Integration,
} from 'aws-cdk-lib/aws-apigateway';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { CALLER_CONTEXT_KEYS } from '../functions/http/caller';
import { ROUTES, type HandlerName, type HttpMethod, type Route } from '../functions/routes';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../functions/tokens/table';
import { ACCESS_LOG_FORMAT } from './access-log-format';
import { acknowledgeAcceptedNagFindings } from './nag';
import { addProblemResponses } from './problem-responses';
import type { TokenServiceSettings } from './settings';
import { TokenFunction, type FunctionName } from './token-function';

// Each Lambda timeout leaves room for the worst case of the SDK settings in
// functions/shared/dynamodb.ts: about 2.2 s for the authorizer, about 8.7 s for a
// delete (two store calls and the cache flush). Change the two together.
const AUTHORIZER_TIMEOUT = Duration.seconds(5);
const ADMIN_TIMEOUT = Duration.seconds(10);

// Lambda allots CPU in proportion to memory. The authorizer's cold start and hashing
// delay every request whose decision is not cached, so it gets twice the CPU of the
// admin functions, which mostly wait on DynamoDB. Both sizes are estimates, not measured.
const AUTHORIZER_MEMORY_MB = 512;
const ADMIN_MEMORY_MB = 256;

/**
 * The DynamoDB actions each function calls, granted on the table ARN only. DynamoDB
 * authorizes each item of a TransactWriteItems call by its own action, so the
 * transactions need PutItem or DeleteItem and no transaction action.
 */
const TABLE_ACTIONS: Record<FunctionName, `dynamodb:${string}`[]> = {
  authorizer: ['dynamodb:GetItem'],
  whoami: ['dynamodb:GetItem'],
  'get-token': ['dynamodb:GetItem'],
  'list-tokens': ['dynamodb:Query'],
  'create-token': ['dynamodb:PutItem'],
  'delete-token': ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
  'delete-tokens': ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem'],
  'reject-token-update': [],
};

/** Handlers that flush the authorizer cache after a delete, so a deleted token stops working at once. */
const CACHE_FLUSHING_HANDLERS: ReadonlySet<HandlerName> = new Set(['delete-token', 'delete-tokens']);

/** Headers that carry the authorizer's decision to the RentMagic API on proxied routes. */
export const UPSTREAM_CALLER_HEADERS = {
  'X-RentMagic-Tenant-Id': CALLER_CONTEXT_KEYS.tenantId,
  'X-RentMagic-Token-Id': CALLER_CONTEXT_KEYS.tokenId,
  'X-RentMagic-Rights': CALLER_CONTEXT_KEYS.rights,
} as const;

// Browsers cache a preflight response this long, so a change of allowed origins reaches them within it.
const PREFLIGHT_MAX_AGE = Duration.minutes(10);

export interface TokenServiceStackProps extends StackProps {
  settings: TokenServiceSettings;
}

/**
 * The token service: one DynamoDB table, one Lambda function per handler of the route
 * table, and a REST API that puts every route behind the Lambda REQUEST authorizer.
 */
export class TokenServiceStack extends Stack {
  readonly table: Table;
  readonly api: RestApi;
  readonly authorizerFunction: TokenFunction;
  readonly handlerFunctions: ReadonlyMap<HandlerName, TokenFunction>;
  private readonly settings: TokenServiceSettings;

  constructor(scope: Construct, id: string, props: TokenServiceStackProps) {
    super(scope, id, props);
    this.settings = props.settings;

    this.table = this.createTokenTable();
    this.api = this.createRestApi();
    this.authorizerFunction = this.createFunction('authorizer', 'Checks the bearer token of every API request');
    const authorizer = this.createAuthorizer();
    this.handlerFunctions = this.createHandlerFunctions();
    this.addRoutes(authorizer);
    this.addCorsPreflights();
    addProblemResponses(this.api, this.settings.corsOrigins);
    this.addOutputs();

    acknowledgeAcceptedNagFindings({
      api: this.api,
      functions: [this.authorizerFunction, ...this.handlerFunctions.values()],
    });
  }

  /** Creates the single table of functions/tokens/table.ts, which outlives the stack so that no redeploy loses tokens. */
  private createTokenTable(): Table {
    return new Table(this, 'Tokens', {
      tableName: this.settings.tableName,
      partitionKey: { name: PARTITION_KEY, type: AttributeType.STRING },
      sortKey: { name: SORT_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
  }

  /**
   * Creates the REST API with a regional endpoint, because the account's edge (CloudFront
   * and WAF) sits in front of it. Execution logs at ERROR level without request data keep
   * tokens out of the logs.
   */
  private createRestApi(): RestApi {
    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: this.settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    return new RestApi(this, 'Api', {
      restApiName: this.stackName,
      description: 'RentMagic API tokens: token administration, and the authorizer in front of every route',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Execution logs need the account-level role that lets API Gateway write to CloudWatch Logs.
      cloudWatchRole: true,
      deployOptions: {
        stageName: this.settings.stageName,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: ACCESS_LOG_FORMAT,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        tracingEnabled: false,
        throttlingRateLimit: this.settings.throttlingRateLimit,
        throttlingBurstLimit: this.settings.throttlingBurstLimit,
      },
    });
  }

  private createFunction(name: FunctionName, description: string, environment?: Record<string, string>): TokenFunction {
    const isAuthorizer = name === 'authorizer';
    const tokenFunction = new TokenFunction(this, constructId(name), {
      name,
      description,
      table: this.table,
      settings: this.settings,
      timeout: isAuthorizer ? AUTHORIZER_TIMEOUT : ADMIN_TIMEOUT,
      memorySize: isAuthorizer ? AUTHORIZER_MEMORY_MB : ADMIN_MEMORY_MB,
      environment,
    });
    tokenFunction.allowTableActions(...TABLE_ACTIONS[name]);
    return tokenFunction;
  }

  /** API Gateway caches each decision per Authorization header for the configured TTL. */
  private createAuthorizer(): RequestAuthorizer {
    return new RequestAuthorizer(this, 'TokenAuthorizer', {
      handler: this.authorizerFunction.function,
      identitySources: [IdentitySource.header('Authorization')],
      resultsCacheTtl: Duration.seconds(this.settings.authorizerCacheTtlSeconds),
      authorizerName: 'token-authorizer',
    });
  }

  /** One function per handler name in the route table, however many routes share it. */
  private createHandlerFunctions(): Map<HandlerName, TokenFunction> {
    const functions = new Map<HandlerName, TokenFunction>();
    for (const handler of handlerNames()) {
      const routeList = ROUTES.filter((route) => route.handler === handler)
        .map((route) => `${route.method} ${route.path}`)
        .join(', ');
      const flushesCache = CACHE_FLUSHING_HANDLERS.has(handler);
      // The stage name comes from the settings, not from the Stage resource: the Stage
      // depends on these functions through its deployment, so a reference would be circular.
      const environment = flushesCache
        ? { REST_API_ID: this.api.restApiId, STAGE_NAME: this.settings.stageName }
        : undefined;

      const tokenFunction = this.createFunction(handler, `Token service: ${routeList}`, environment);
      if (flushesCache) this.allowAuthorizerCacheFlush(tokenFunction);
      functions.set(handler, tokenFunction);
    }
    return functions;
  }

  /** FlushStageAuthorizersCache is `DELETE` on the stage's authorizer cache, and nothing else is allowed. */
  private allowAuthorizerCacheFlush(tokenFunction: TokenFunction): void {
    const cacheArn = `arn:${this.partition}:apigateway:${this.region}::/restapis/${this.api.restApiId}/stages/${this.settings.stageName}/cache/authorizers`;
    tokenFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['apigateway:DELETE'], resources: [cacheArn] }),
    );
  }

  /**
   * One method per route, each behind the authorizer. Routes without a handler proxy to
   * the RentMagic API and exist only when `upstreamUrl` is set.
   */
  private addRoutes(authorizer: RequestAuthorizer): void {
    for (const route of ROUTES) {
      const integration = this.integrationFor(route);
      if (!integration) continue;

      const pathParameters = pathParameterNames(route.path).map((name): [string, boolean] => [
        `method.request.path.${name}`,
        true,
      ]);
      this.api.root.resourceForPath(route.path).addMethod(route.method, integration, {
        authorizer,
        authorizationType: AuthorizationType.CUSTOM,
        requestParameters: Object.fromEntries(pathParameters),
      });
    }
  }

  private integrationFor(route: Route): Integration | undefined {
    if (route.handler) {
      const handlerFunction = this.handlerFunctions.get(route.handler);
      if (!handlerFunction) throw new Error(`No function was created for handler ${route.handler}`);
      return new LambdaIntegration(handlerFunction.function, { proxy: true });
    }
    const { upstreamUrl } = this.settings;
    if (upstreamUrl === undefined) return undefined;

    const pathMappings = pathParameterNames(route.path).map((name): [string, string] => [
      `integration.request.path.${name}`,
      `method.request.path.${name}`,
    ]);
    // Each mapping replaces any header of the same name that the client sent.
    const callerMappings = Object.entries(UPSTREAM_CALLER_HEADERS).map(([header, contextKey]): [string, string] => [
      `integration.request.header.${header}`,
      `context.authorizer.${contextKey}`,
    ]);
    return new HttpIntegration(`${upstreamUrl}${route.path}`, {
      httpMethod: route.method,
      proxy: true,
      options: { requestParameters: Object.fromEntries([...pathMappings, ...callerMappings]) },
    });
  }

  /** An OPTIONS method without the authorizer on every routed resource, as browsers send preflights without tokens. */
  private addCorsPreflights(): void {
    const methodsByPath = new Map<string, HttpMethod[]>();
    for (const method of this.api.methods) {
      if (method.httpMethod === 'OPTIONS') continue;
      const methods = methodsByPath.get(method.resource.path) ?? [];
      methods.push(method.httpMethod as HttpMethod);
      methodsByPath.set(method.resource.path, methods);
    }

    for (const [path, methods] of methodsByPath) {
      this.api.root.resourceForPath(path).addCorsPreflight({
        allowOrigins: this.settings.corsOrigins,
        allowHeaders: ['Authorization', 'Content-Type'],
        allowMethods: methods,
        maxAge: PREFLIGHT_MAX_AGE,
      });
    }
  }

  private addOutputs(): void {
    // RestApi adds an output with a generated name for the same URL, which ApiUrl replaces.
    this.api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ApiUrl', { description: 'Base URL of the API, including the stage', value: this.api.url });
    new CfnOutput(this, 'TableName', { description: 'DynamoDB table of the tokens', value: this.table.tableName });
    new CfnOutput(this, 'StageName', { description: 'API Gateway stage', value: this.settings.stageName });
  }
}

function handlerNames(): HandlerName[] {
  const names = ROUTES.flatMap((route) => (route.handler ? [route.handler] : []));
  return [...new Set(names)];
}

/** Returns the parameter names of an API Gateway path, such as `['id']` for `/tokens/{id}`. */
function pathParameterNames(path: string): string[] {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? '');
}

/** Turns `delete-tokens` into `DeleteTokens`, the form of construct ids. */
function constructId(name: string): string {
  return name
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
