import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { CALLER_CONTEXT_KEYS } from '../functions/http/caller';
import type { Route } from '../functions/routes';
import type { Logger } from '../functions/shared/logger';
import type { Authorization, AuthorizerSource } from './authorization';
import { corsHeaders, preflightHeaders } from './cors';
import { MAX_PAYLOAD_BYTES, buildGatewayResponse, type GatewayResponseType } from './gateway-responses';
import { isInvokeAllowed, type AuthorizerGrant } from './iam-policy';
import {
  buildAuthorizerEvent,
  buildProxyEvent,
  encodeBody,
  headerValues,
  methodArnOf,
  readRequestHead,
  type MatchedRoute,
  type RequestHead,
  type StageInfo,
} from './lambda-events';
import { invokeLambda, type LambdaFunction } from './lambda-functions';
import { readProxyResult, type HttpResponse } from './proxy-result';
import { readRequestBody } from './request-body';
import { decodePathParameters, matchResource, methodsOf, routeForMethod } from './route-matching';
import type { TokenBucket } from './throttle';

/**
 * One request through the local gateway, in API Gateway's order: CORS preflight, resource
 * and method lookup, throttling, payload limit, identity source, authorizer (or its cache),
 * policy check, then the Lambda integration or, for RentMagic resource routes, an echo.
 *
 * Every response carries `x-amzn-RequestId`. Each request ends with one log line that
 * contains the method, path, status, latency, the authorizer's source and the request id,
 * and never a header value.
 */
export interface PipelineDependencies {
  stage: StageInfo;
  authorization: Authorization;
  handlers: ReadonlyMap<string, LambdaFunction>;
  corsOrigins: readonly string[];
  throttle?: TokenBucket;
  logger: Logger;
}

/** Fields of the request log line beyond the response status. */
interface RequestOutcome {
  resourcePath?: string;
  authorizer: AuthorizerSource | 'skipped';
  gatewayResponse?: GatewayResponseType;
  /** Set when the request body was left unread, so the connection cannot be reused. */
  closeConnection?: boolean;
}

const DROPPED_RESULT_HEADERS = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive']);

export class RequestPipeline {
  constructor(private readonly dependencies: PipelineDependencies) {}

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const head = readRequestHead(req, randomUUID());
    const outcome: RequestOutcome = { authorizer: 'skipped' };

    let response: HttpResponse;
    try {
      response = await this.process(req, head, outcome);
    } catch (error) {
      this.dependencies.logger.error('request failed in the gateway', { requestId: head.requestId, error });
      response = this.gatewayResponse('DEFAULT_5XX', head, outcome);
    }

    send(res, response, head.requestId, outcome.closeConnection === true);
    this.dependencies.logger.info('request handled', {
      requestId: head.requestId,
      method: head.method,
      path: head.rawPath,
      resourcePath: outcome.resourcePath,
      status: response.status,
      latencyMs: Math.round((performance.now() - startedAt) * 10) / 10,
      authorizer: outcome.authorizer,
      gatewayResponse: outcome.gatewayResponse,
    });
  }

  private async process(req: http.IncomingMessage, head: RequestHead, outcome: RequestOutcome): Promise<HttpResponse> {
    const { throttle } = this.dependencies;

    const resource = matchResource(head.rawPath);
    if (resource) outcome.resourcePath = resource.resourcePath;

    // The gateway responds to preflight itself (a mock integration), without the authorizer.
    if (head.method === 'OPTIONS' && resource) {
      req.resume();
      const origin = headerValues(head, 'origin')[0];
      const headers = preflightHeaders(origin, this.dependencies.corsOrigins, methodsOf(resource));
      return { status: 204, headers: toPairs(headers), body: Buffer.alloc(0) };
    }

    const route = resource && routeForMethod(resource, head.method);
    if (!resource || !route) {
      req.resume();
      return this.gatewayResponse('MISSING_AUTHENTICATION_TOKEN', head, outcome);
    }

    const pathParameters = decodePathParameters(resource.rawParameters);
    if (!pathParameters) {
      req.resume();
      return this.gatewayResponse('BAD_REQUEST_PARAMETERS', head, outcome);
    }
    const matched: MatchedRoute = { resourcePath: resource.resourcePath, pathParameters };

    if (throttle && !throttle.tryTake()) {
      req.resume();
      return this.gatewayResponse('THROTTLED', head, outcome);
    }

    const body = await readRequestBody(req, MAX_PAYLOAD_BYTES);
    if (!body.ok) {
      outcome.closeConnection = true;
      return this.gatewayResponse('REQUEST_TOO_LARGE', head, outcome);
    }

    // The identity source is the Authorization header. Without a non-empty value, API
    // Gateway responds with 401 and does not call the authorizer.
    const identity = headerValues(head, 'authorization');
    if (identity.every((value) => value.trim() === '')) return this.gatewayResponse('UNAUTHORIZED', head, outcome);

    const decision = await this.dependencies.authorization.authorize(JSON.stringify(identity), () =>
      buildAuthorizerEvent(head, matched, this.dependencies.stage),
    );
    outcome.authorizer = decision.source;
    if (decision.kind === 'unauthorized') return this.gatewayResponse('UNAUTHORIZED', head, outcome);
    if (decision.kind === 'failure') return this.gatewayResponse('AUTHORIZER_FAILURE', head, outcome);
    if (decision.kind === 'configuration-error') return this.gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', head, outcome);

    const methodArn = methodArnOf(this.dependencies.stage, head.method, head.rawPath);
    if (!isInvokeAllowed(decision.grant.statements, methodArn)) return this.gatewayResponse('ACCESS_DENIED', head, outcome);

    const authorizerContext = {
      ...decision.grant.context,
      principalId: decision.grant.principalId,
      integrationLatency: decision.latencyMs,
    };

    if (!route.handler) return this.echoResponse(route, head, decision.grant);

    const handler = this.dependencies.handlers.get(route.handler);
    if (!handler) throw new Error(`No function loaded for handler ${route.handler}`);

    const contentType = headerValues(head, 'content-type')[0];
    const event = buildProxyEvent(head, matched, this.dependencies.stage, encodeBody(body.bytes, contentType), authorizerContext);
    return this.invokeIntegration(handler, event, head, outcome);
  }

  private async invokeIntegration(
    handler: LambdaFunction,
    event: unknown,
    head: RequestHead,
    outcome: RequestOutcome,
  ): Promise<HttpResponse> {
    let result: unknown;
    try {
      result = await invokeLambda(handler, event);
    } catch (error) {
      this.dependencies.logger.error('handler failed', { requestId: head.requestId, functionName: handler.name, error });
      return this.gatewayResponse('DEFAULT_5XX', head, outcome);
    }

    const check = readProxyResult(result);
    if (!check.ok) {
      this.dependencies.logger.error('handler returned a malformed proxy result', {
        requestId: head.requestId,
        functionName: handler.name,
        reason: check.reason,
      });
      return this.gatewayResponse('DEFAULT_5XX', head, outcome);
    }

    const headers = check.response.headers.filter(([name]) => !DROPPED_RESULT_HEADERS.has(name.toLowerCase()));
    return { ...check.response, headers };
  }

  /**
   * Stands in for the RentMagic API behind a resource route, which this service only
   * guards: it returns what the upstream API would learn from the authorizer context.
   */
  private echoResponse(route: Route, head: RequestHead, grant: AuthorizerGrant): HttpResponse {
    const rights = grant.context[CALLER_CONTEXT_KEYS.rights] ?? '';
    const body = {
      route: `${route.method} ${route.path}`,
      tenantId: grant.context[CALLER_CONTEXT_KEYS.tenantId],
      tokenId: grant.context[CALLER_CONTEXT_KEYS.tokenId],
      rights: rights.split(' ').filter(Boolean),
    };
    const origin = headerValues(head, 'origin')[0];
    return {
      status: 200,
      headers: toPairs({ 'Content-Type': 'application/json', ...corsHeaders(origin, this.dependencies.corsOrigins) }),
      body: Buffer.from(JSON.stringify(body)),
    };
  }

  private gatewayResponse(type: GatewayResponseType, head: RequestHead, outcome: RequestOutcome): HttpResponse {
    outcome.gatewayResponse = type;
    const origin = headerValues(head, 'origin')[0];
    const response = buildGatewayResponse(type, head.requestId, origin, this.dependencies.corsOrigins);
    return { status: response.status, headers: toPairs(response.headers), body: Buffer.from(response.body) };
  }
}

function send(res: http.ServerResponse, response: HttpResponse, requestId: string, closeConnection: boolean): void {
  if (res.headersSent || res.destroyed) return;

  for (const [name, value] of response.headers) res.appendHeader(name, value);
  res.setHeader('x-amzn-RequestId', requestId);
  if (response.status !== 204 && response.status !== 304) res.setHeader('Content-Length', String(response.body.length));
  if (closeConnection) res.setHeader('Connection', 'close');
  res.writeHead(response.status);
  res.end(response.body);
}

function toPairs(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers);
}
