import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { StoreUnavailableError, TokenConflictError } from '../tokens/errors';
import type { Logger } from '../shared/logger';
import { callerOf, type Caller } from './caller';
import { corsHeaders } from './cors';
import { HttpError } from './errors';
import { PROBLEM_CONTENT_TYPE, buildProblem } from './problems';
import { headerValue, parseRequest, type RequestSchemas } from './request-parsing';

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 1;

export interface HttpRequest<TBody, TQuery, TParams> {
  caller: Caller;
  body: TBody;
  query: TQuery;
  params: TParams;
  requestId: string;
  logger: Logger;
  event: APIGatewayProxyEvent;
}

export interface HttpResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HttpHandlerOptions {
  /** Operation name for logs, such as `createToken`. */
  operation: string;
  schemas?: RequestSchemas;
  logger: Logger;
  /** Origins allowed to read responses in a browser; `*` allows any. */
  corsOrigins?: readonly string[];
}

export type HttpHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

interface RequestState {
  startedAt: number;
  logger: Logger;
  requestId: string;
}

/**
 * Wraps an admin operation in the shared middleware: request logging, caller and input
 * validation before it runs, and one mapping of every error to a problem response.
 * The operation receives typed input and returns a status and body.
 */
export function createHttpHandler<TBody = undefined, TQuery = undefined, TParams = undefined>(
  options: HttpHandlerOptions,
  operation: (request: HttpRequest<TBody, TQuery, TParams>) => Promise<HttpResult>,
): HttpHandler {
  const states = new WeakMap<APIGatewayProxyEvent, RequestState>();

  const stateOf = (event: APIGatewayProxyEvent): RequestState => {
    let state = states.get(event);
    if (!state) {
      const requestId = event.requestContext?.requestId ?? 'unknown';
      state = { startedAt: performance.now(), requestId, logger: options.logger.child({ requestId, operation: options.operation }) };
      states.set(event, state);
    }
    return state;
  };

  const finish = (event: APIGatewayProxyEvent, result: APIGatewayProxyResult): APIGatewayProxyResult => {
    const state = stateOf(event);
    const headers = { ...result.headers, ...corsHeaders(headerValue(event, 'origin'), options.corsOrigins ?? []) };
    state.logger.info('request completed', {
      method: event.httpMethod,
      path: event.path,
      status: result.statusCode,
      durationMs: Math.round((performance.now() - state.startedAt) * 10) / 10,
    });
    return { ...result, headers };
  };

  const core = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const state = stateOf(event);
    const caller = callerOf(event);
    const input = parseRequest(event, options.schemas ?? {});
    const logger = state.logger.child({ tenantId: caller.tenantId, callerTokenId: caller.tokenId });

    const result = await operation({
      caller,
      body: input.body as TBody,
      query: input.query as TQuery,
      params: input.params as TParams,
      requestId: state.requestId,
      logger,
      event,
    });
    return toProxyResult(result);
  };

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>(core).use({
    before: (request) => {
      stateOf(request.event);
    },
    after: (request) => {
      request.response = finish(request.event, request.response);
    },
    onError: (request) => {
      const state = stateOf(request.event);
      request.response = finish(request.event, errorToResponse(request.error, state));
    },
  }) as unknown as HttpHandler;
}

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}

function toProxyResult(result: HttpResult): APIGatewayProxyResult {
  if (result.body === undefined) {
    return { statusCode: result.status, headers: { ...result.headers }, body: '' };
  }
  return jsonResponse(result.status, result.body, result.headers);
}

/**
 * Maps any error to a problem response. Client errors show their own message; store
 * faults become 503 with Retry-After; anything else is a 500 whose body reveals nothing
 * internal, while the log keeps the real error.
 */
function errorToResponse(error: unknown, state: RequestState): APIGatewayProxyResult {
  if (error instanceof HttpError) {
    state.logger.info('request rejected', { status: error.status, detail: error.message });
    return problemResponse(buildProblem(error.status, error.message, state.requestId, error.extensions), error.headers);
  }

  if (error instanceof StoreUnavailableError || error instanceof TokenConflictError) {
    state.logger.error('token store unavailable', { error });
    const problem = buildProblem(503, 'The token store is unavailable; retry the request shortly.', state.requestId);
    return problemResponse(problem, { 'Retry-After': String(RETRY_AFTER_SECONDS) });
  }

  state.logger.error('unexpected error', { error });
  return problemResponse(buildProblem(500, 'The request failed because of an internal error.', state.requestId));
}

export function problemResponse(problem: ReturnType<typeof buildProblem>, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headers },
    body: JSON.stringify(problem),
  };
}
