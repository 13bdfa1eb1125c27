/**
 * Environment settings shared by every function, read once at module load so a
 * missing or invalid value stops the function at start and names the variable.
 *
 * Plain code rather than a schema library, because the authorizer bundle must stay small.
 */
export interface Environment {
  tableName: string;
  /** DynamoDB endpoint override (DYNAMODB_ENDPOINT), set only for the local store. */
  dynamodbEndpoint?: string;
  /** API Gateway endpoint override (APIGATEWAY_ENDPOINT), set only for the local gateway. */
  apigatewayEndpoint?: string;
  /** REST API id and stage whose authorizer cache the delete functions flush. */
  restApiId?: string;
  stageName?: string;
  /** Origins allowed to read responses in a browser (CORS_ORIGINS, comma-separated; `*` allows any). */
  corsOrigins: string[];
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function readEnvironment(source: NodeJS.ProcessEnv = process.env): Environment {
  const logLevel = source.LOG_LEVEL ?? 'info';
  if (!isLogLevel(logLevel)) {
    throw new Error(`Invalid environment variable LOG_LEVEL=${logLevel}: expected one of ${LOG_LEVELS.join(', ')}`);
  }

  return {
    tableName: requireVariable(source, 'TABLE_NAME'),
    dynamodbEndpoint: optionalUrl(source, 'DYNAMODB_ENDPOINT'),
    apigatewayEndpoint: optionalUrl(source, 'APIGATEWAY_ENDPOINT'),
    restApiId: source.REST_API_ID || undefined,
    stageName: source.STAGE_NAME || undefined,
    corsOrigins: (source.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
    logLevel,
  };
}

function isLogLevel(value: string): value is Environment['logLevel'] {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

function requireVariable(source: NodeJS.ProcessEnv, name: string): string {
  const value = source[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

function optionalUrl(source: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = source[name];
  if (!value) return undefined;
  if (!URL.canParse(value)) throw new Error(`Invalid environment variable ${name}=${value}: expected a URL`);
  return value;
}
