import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { ROUTES, type HandlerName } from '../functions/routes';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './lambda-events';

/**
 * Loads the Lambda functions the deployed stack runs, from the same modules:
 * `functions/authorizer.ts` and `functions/<handler>.ts` for each handler in the route table.
 *
 * Each module reads its configuration from the environment when it loads, as on Lambda,
 * so the environment is set first. Every load imports fresh module instances (a query
 * string makes the module URL unique), so two gateways in one process each get functions
 * configured for their own table and endpoints. Loads run one at a time because they share
 * `process.env`. The variables stay set afterwards, because the AWS SDK reads the region
 * and credentials only on its first request.
 */
export interface FunctionSettings {
  tableName: string;
  dynamodbEndpoint: string;
  /** Endpoint of the local API Gateway management API, for FlushStageAuthorizersCache. */
  apigatewayEndpoint: string;
  restApiId: string;
  stageName: string;
  corsOrigins: readonly string[];
}

/** A Lambda handler as the gateway calls it; the result is checked by the caller. */
export type LambdaHandler = (event: unknown, context: Context) => unknown;

export interface LambdaFunction {
  name: string;
  handler: LambdaHandler;
  timeoutMs: number;
}

export interface LambdaFunctions {
  authorizer: LambdaFunction;
  handlers: ReadonlyMap<HandlerName, LambdaFunction>;
}

/**
 * Lambda timeouts of the deployed functions (see the client settings in
 * functions/shared/dynamodb.ts): 5 s for the authorizer, 10 s for the admin handlers.
 */
export const AUTHORIZER_TIMEOUT_MS = 5_000;
export const HANDLER_TIMEOUT_MS = 10_000;

/** Placeholder AWS settings for the SDK clients, which sign requests even to a local endpoint. */
const PLACEHOLDER_AWS_ENVIRONMENT = {
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
};

export class LambdaTimeoutError extends Error {
  override name = 'LambdaTimeoutError';
  constructor(functionName: string, timeoutMs: number) {
    super(`Function ${functionName} timed out after ${timeoutMs} ms`);
  }
}

let loadCount = 0;
let previousLoad: Promise<unknown> = Promise.resolve();

export function loadLambdaFunctions(settings: FunctionSettings): Promise<LambdaFunctions> {
  const load = previousLoad.then(() => loadInFreshEnvironment(settings));
  previousLoad = load.catch(() => undefined);
  return load;
}

/** Calls a function the way the Lambda runtime does, and rejects with LambdaTimeoutError past its timeout. */
export async function invokeLambda(fn: LambdaFunction, event: unknown): Promise<unknown> {
  const context = createLambdaContext(fn);

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LambdaTimeoutError(fn.name, fn.timeoutMs)), fn.timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => fn.handler(event, context)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function loadInFreshEnvironment(settings: FunctionSettings): Promise<LambdaFunctions> {
  setEnvironment(settings);
  loadCount += 1;
  const instance = `gateway=${loadCount}`;

  const authorizer = await importFunction('authorizer', instance, AUTHORIZER_TIMEOUT_MS);
  const handlers = new Map<HandlerName, LambdaFunction>();
  for (const name of handlerNames()) {
    handlers.set(name, await importFunction(name, instance, HANDLER_TIMEOUT_MS));
  }
  return { authorizer, handlers };
}

function setEnvironment(settings: FunctionSettings): void {
  process.env.TABLE_NAME = settings.tableName;
  process.env.DYNAMODB_ENDPOINT = settings.dynamodbEndpoint;
  process.env.APIGATEWAY_ENDPOINT = settings.apigatewayEndpoint;
  process.env.REST_API_ID = settings.restApiId;
  process.env.STAGE_NAME = settings.stageName;
  process.env.CORS_ORIGINS = settings.corsOrigins.join(',');

  for (const [name, value] of Object.entries(PLACEHOLDER_AWS_ENVIRONMENT)) {
    if (!process.env[name]) process.env[name] = value;
  }
}

function handlerNames(): HandlerName[] {
  const names = new Set<HandlerName>();
  for (const route of ROUTES) {
    if (route.handler) names.add(route.handler);
  }
  return [...names];
}

async function importFunction(name: string, instance: string, timeoutMs: number): Promise<LambdaFunction> {
  const url = new URL(`../functions/${name}.ts`, import.meta.url);
  url.search = instance;

  const loaded = (await import(url.href)) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') {
    throw new Error(`functions/${name}.ts exports no handler function; export the Lambda handler as "handler"`);
  }
  return { name, handler: loaded.handler as LambdaHandler, timeoutMs };
}

function createLambdaContext(fn: LambdaFunction): Context {
  const deadline = Date.now() + fn.timeoutMs;
  const unsupported = () => {
    throw new Error('The local gateway supports only async handlers, not context.done, fail or succeed');
  };

  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
