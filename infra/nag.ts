import { Validations } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { TokenFunction } from './token-function';

/**
 * Registers the cdk-nag AWS Solutions rules as a policy validation plugin of `app`.
 * cdk-nag 3 reports through CDK's validation framework, not through annotations. Any
 * finding that is not acknowledged, error or warning alike, stops `app.synth()` and
 * is listed in validation-report.json of the cloud assembly.
 */
export function applyNagChecks(app: IConstruct): AwsSolutionsChecks {
  const checks = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(checks);
  return checks;
}

export interface AcknowledgedFindingTargets {
  api: RestApi;
  functions: readonly TokenFunction[];
}

/**
 * Acknowledges the cdk-nag findings this stack accepts, each on the narrowest construct
 * and with its reason. An acknowledgment covers the construct and everything under it.
 * Call this after every method exists, because COG4 is acknowledged per method.
 */
export function acknowledgeAcceptedNagFindings({ api, functions }: AcknowledgedFindingTargets): void {
  Validations.of(defaultChildOf(api)).acknowledge({
    id: 'AwsSolutions-APIG2',
    reason:
      'The token handlers validate bodies, queries and path parameters themselves and return RFC 9457 ' +
      'problems with field-level errors, which an API Gateway request validator cannot produce. ' +
      'The RentMagic API validates the requests it receives through the proxy routes.',
  });

  Validations.of(defaultChildOf(api.deploymentStage)).acknowledge({
    id: 'AwsSolutions-APIG3',
    reason: "WAF rules are attached by the account's edge setup in front of this regional API, not per stack.",
  });

  for (const method of api.methods) {
    if (method.httpMethod === 'OPTIONS') continue;
    Validations.of(defaultChildOf(method)).acknowledge({
      id: 'AwsSolutions-COG4',
      reason:
        'Callers present RentMagic API tokens, not Cognito identities. The Lambda REQUEST authorizer ' +
        'checks each token against the token table on every method.',
    });
  }

  Validations.of(api.node.findChild('CloudWatchRole')).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
    reason:
      'API Gateway writes the execution logs of every REST API in the account and region through this one ' +
      'account-level role. AWS maintains the AmazonAPIGatewayPushToCloudWatchLogs policy for exactly that use.',
  });

  for (const tokenFunction of functions) {
    Validations.of(defaultChildOf(tokenFunction.function)).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "The service's requirements fix the runtime at nodejs22.x, and the bundle targets node22 " +
        '(infra/bundling.ts) to match. A newer runtime is adopted by changing both together.',
    });
  }
}

function defaultChildOf(construct: IConstruct): IConstruct {
  const child = construct.node.defaultChild;
  if (!child) throw new Error(`Construct ${construct.node.path} has no CloudFormation resource to acknowledge findings on`);
  return child;
}
