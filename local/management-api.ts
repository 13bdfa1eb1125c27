import http from 'node:http';
import type { Logger } from '../functions/shared/logger';
import type { StageInfo } from './lambda-events';
import { closeServer, listen } from './http-server';

/**
 * The one operation of the API Gateway management API that the service calls:
 * FlushStageAuthorizersCache, `DELETE /restapis/{restapi_id}/stages/{stage_name}/cache/authorizers`.
 * The delete handlers reach it through the real `@aws-sdk/client-api-gateway` client,
 * whose endpoint (APIGATEWAY_ENDPOINT) points here. The SDK expects 202 with an empty
 * body. Any other request gets 404 with an error body in the API's JSON error format.
 * Request signatures are not checked.
 */
export interface ManagementApi {
  /** Base URL for the SDK's `endpoint` option. */
  endpoint: string;
  /** Stops the server, so later flushes fail as they would with API Gateway unreachable. */
  close(): Promise<void>;
}

export interface ManagementApiOptions {
  host: string;
  stage: StageInfo;
  /** Clears the authorizer cache and returns the number of entries it contained. */
  flushAuthorizerCache: () => number;
  logger: Logger;
}

const FLUSH_PATH = /^\/restapis\/([^/]+)\/stages\/([^/]+)\/cache\/authorizers$/;

export async function startManagementApi(options: ManagementApiOptions): Promise<ManagementApi> {
  const { stage, logger } = options;

  const server = http.createServer((req, res) => {
    req.resume();
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const match = FLUSH_PATH.exec(path);

    if (req.method !== 'DELETE' || !match) {
      sendError(res, 404, 'NotFoundException', `No operation matches ${req.method} ${path} on the local management API`);
      return;
    }

    const restApiId = decodeSegment(match[1] ?? '');
    const stageName = decodeSegment(match[2] ?? '');
    if (restApiId !== stage.restApiId || stageName !== stage.stageName) {
      logger.warn('authorizer cache flush for another stage rejected', { restApiId, stageName });
      sendError(res, 404, 'NotFoundException', `Invalid stage identifier specified: ${restApiId}/${stageName}`);
      return;
    }

    const flushedEntries = options.flushAuthorizerCache();
    logger.info('authorizer cache flushed', { restApiId, stageName, flushedEntries });
    res.writeHead(202, { 'Content-Length': '0' });
    res.end();
  });

  const port = await listen(server, options.host, 0);
  let closed: Promise<void> | undefined;

  return {
    endpoint: `http://${options.host}:${port}`,
    close: () => (closed ??= closeServer(server)),
  };
}

function sendError(res: http.ServerResponse, status: number, errorType: string, message: string): void {
  const body = JSON.stringify({ message });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    'x-amzn-ErrorType': errorType,
  });
  res.end(body);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
