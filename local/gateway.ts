import http from 'node:http';
import { createLogger, type LogLevel, type LogSink } from '../functions/shared/logger';
import { DEFAULT_SETTINGS, MAX_AUTHORIZER_CACHE_TTL_SECONDS } from '../infra/settings';
import { Authorization } from './authorization';
import type { StageInfo } from './lambda-events';
import { loadLambdaFunctions } from './lambda-functions';
import { closeServer, listen } from './http-server';
import { startManagementApi, type ManagementApi } from './management-api';
import { PolicyCache } from './policy-cache';
import { RequestPipeline } from './request-pipeline';
import { TokenBucket, type ThrottleSettings } from './throttle';

/**
 * A local stand-in for the API Gateway REST API stage in front of the service. It runs the
 * deployed Lambda code in this process: the authorizer and the handlers named in
 * functions/routes.ts.
 *
 * It reproduces what the service relies on: routing, the identity-source check, the
 * authorizer and its cache, IAM policy evaluation, the proxy events, the gateway responses,
 * CORS preflight, throttling, the payload limit and FlushStageAuthorizersCache.
 *
 * The API is served at the root of `url`, as behind a custom domain, not under `/<stage>`.
 */
export interface LocalGatewayOptions {
  /** Table the functions use (TABLE_NAME). */
  tableName: string;
  /** DynamoDB endpoint of the local store (DYNAMODB_ENDPOINT). */
  dynamodbEndpoint: string;
  /** Port of the API. The default, 0, picks a free port. */
  port?: number;
  /** Address to listen on, 127.0.0.1 unless given. */
  host?: string;
  /** Seconds an authorizer result is cached per Authorization header, from 0 (no cache) to 3600. The stack's default unless given. */
  cacheTtlSeconds?: number;
  /**
   * Origins allowed to read responses in a browser (CORS_ORIGINS), where `*` allows any.
   * The stack's default (`*`) unless given. An empty list, which the stack rejects, turns CORS off.
   */
  corsOrigins?: readonly string[];
  /** REST API id in method ARNs and the management API path, `local` unless given. */
  restApiId?: string;
  /** Stage name in method ARNs and the management API path, `local` unless given. */
  stageName?: string;
  /** Stage throttling. No limit unless given. */
  throttle?: ThrottleSettings;
  /** Sink for the gateway's JSON log lines, standard output unless given. The functions always log to standard output. */
  logSink?: LogSink;
  /** Level of the gateway's own log, `info` (one line per request) unless given. */
  logLevel?: LogLevel;
}

export interface GatewayStats {
  /** Calls of the authorizer function. Cache hits and requests without an identity do not count. */
  authorizerInvocations: number;
  /** FlushStageAuthorizersCache calls served. */
  cacheFlushes: number;
  /** Authorization header values with a cached result right now. */
  cachedIdentities: number;
}

export interface LocalGateway {
  /** Base URL of the API, such as `http://127.0.0.1:3000`. */
  url: string;
  stage: StageInfo;
  /** The management API server that FlushStageAuthorizersCache calls reach (APIGATEWAY_ENDPOINT). */
  managementApi: ManagementApi;
  stats(): GatewayStats;
  /** Stops both servers and resolves once open requests have ended. */
  close(): Promise<void>;
}

/** The deployed defaults from infra/settings.ts, so local runs behave like a default deployment. */
export const DEFAULT_CACHE_TTL_SECONDS = DEFAULT_SETTINGS.authorizerCacheTtlSeconds;
export const MAX_CACHE_TTL_SECONDS = MAX_AUTHORIZER_CACHE_TTL_SECONDS;
const DEFAULT_CORS_ORIGINS: readonly string[] = DEFAULT_SETTINGS.corsOrigins;

const DEFAULT_HOST = '127.0.0.1';

export async function startLocalGateway(options: LocalGatewayOptions): Promise<LocalGateway> {
  const cacheTtlSeconds = options.cacheTtlSeconds ?? DEFAULT_CACHE_TTL_SECONDS;
  validateOptions(options, cacheTtlSeconds);

  const host = options.host ?? DEFAULT_HOST;
  const stage: StageInfo = { restApiId: options.restApiId ?? 'local', stageName: options.stageName ?? 'local' };
  const corsOrigins = options.corsOrigins ?? DEFAULT_CORS_ORIGINS;
  const logger = createLogger({ level: options.logLevel ?? 'info', sink: options.logSink, fields: { component: 'local-gateway' } });

  const cache = new PolicyCache(cacheTtlSeconds * 1000);
  const stats = { authorizerInvocations: 0, cacheFlushes: 0 };

  const managementApi = await startManagementApi({
    host,
    stage,
    logger,
    flushAuthorizerCache: () => {
      stats.cacheFlushes += 1;
      return cache.clear();
    },
  });

  let server: http.Server;
  let port: number;
  try {
    const functions = await loadLambdaFunctions({
      tableName: options.tableName,
      dynamodbEndpoint: options.dynamodbEndpoint,
      apigatewayEndpoint: managementApi.endpoint,
      restApiId: stage.restApiId,
      stageName: stage.stageName,
      corsOrigins,
    });

    const authorization = new Authorization({
      authorizer: functions.authorizer,
      cache,
      logger,
      onInvoke: () => {
        stats.authorizerInvocations += 1;
      },
    });
    const pipeline = new RequestPipeline({
      stage,
      authorization,
      handlers: functions.handlers,
      corsOrigins,
      ...(options.throttle ? { throttle: new TokenBucket(options.throttle) } : {}),
      logger,
    });

    server = http.createServer((req, res) => {
      pipeline.handle(req, res).catch((error: unknown) => {
        logger.error('sending a response failed', { error });
        res.destroy();
      });
    });
    port = await listen(server, host, options.port ?? 0);
  } catch (error) {
    await managementApi.close();
    throw error;
  }

  const url = `http://${host}:${port}`;
  logger.info('local gateway started', { url, managementEndpoint: managementApi.endpoint, cacheTtlSeconds, ...stage });

  let closed: Promise<void> | undefined;
  return {
    url,
    stage,
    managementApi,
    stats: () => ({ ...stats, cachedIdentities: cache.size }),
    close: () =>
      (closed ??= Promise.all([closeServer(server), managementApi.close()]).then(() => {
        logger.info('local gateway stopped', { url });
      })),
  };
}

function validateOptions(options: LocalGatewayOptions, cacheTtlSeconds: number): void {
  if (!options.tableName) throw new Error('Missing tableName: name the table the functions use');
  if (!URL.canParse(options.dynamodbEndpoint)) {
    throw new Error(`Invalid dynamodbEndpoint ${JSON.stringify(options.dynamodbEndpoint)}: expected the URL of the local store`);
  }
  if (!Number.isInteger(cacheTtlSeconds) || cacheTtlSeconds < 0 || cacheTtlSeconds > MAX_CACHE_TTL_SECONDS) {
    throw new RangeError(
      `Invalid cacheTtlSeconds ${cacheTtlSeconds}: expected a whole number of seconds from 0 to ${MAX_CACHE_TTL_SECONDS}`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid port ${port}: expected a whole number from 0 to 65535`);
  }
}
