import { AccessLogField, AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { CALLER_CONTEXT_KEYS } from '../functions/http/caller';

/**
 * One JSON object per request in the stage's access log. Every value is quoted because
 * API Gateway writes `-` for a value it does not have, which would break a bare number.
 * `principalId` is the token id. Neither it nor the tenant id is secret.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: AccessLogField.contextRequestId(),
  requestTime: AccessLogField.contextRequestTime(),
  ip: AccessLogField.contextIdentitySourceIp(),
  method: AccessLogField.contextHttpMethod(),
  path: AccessLogField.contextPath(),
  resourcePath: AccessLogField.contextResourcePath(),
  status: AccessLogField.contextStatus(),
  protocol: AccessLogField.contextProtocol(),
  responseLength: AccessLogField.contextResponseLength(),
  latencyMs: AccessLogField.contextResponseLatency(),
  integrationLatencyMs: AccessLogField.contextIntegrationLatency(),
  authorizerStatus: AccessLogField.contextAuthorizerStatus(),
  authorizerLatencyMs: AccessLogField.contextAuthorizerLatency(),
  authorizerError: AccessLogField.contextAuthorizerError(),
  errorType: AccessLogField.contextErrorResponseType(),
  principalId: AccessLogField.contextAuthorizerPrincipalId(),
  tenantId: AccessLogField.contextAuthorizer(CALLER_CONTEXT_KEYS.tenantId),
};

export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS));
