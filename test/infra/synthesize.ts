import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { AwsSolutionsChecks } from 'cdk-nag';
import { applyNagChecks } from '../../infra/nag';
import { readSettings } from '../../infra/settings';
import type { FunctionName } from '../../infra/token-function';
import { TokenServiceStack } from '../../infra/token-service-stack';

export interface Synthesized {
  app: App;
  stack: TokenServiceStack;
  template: Template;
  resources: Record<string, CfnResource>;
  nagChecks: AwsSolutionsChecks;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The feature flags and CLI context of cdk.json, so tests synthesize what `cdk synth` does. */
const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'),
).context;

/**
 * Synthesizes the stack as infra/app.ts does, with `context` added to cdk.json's. Asset
 * bundling is skipped (an empty `aws:cdk:bundling-stacks`), which keeps a synthesis at a
 * few seconds instead of running esbuild for every function.
 *
 * The cdk-nag plugin is registered after the template is made, so that a finding fails
 * the cdk-nag tests of a file and not the synthesis every other test needs. Those tests
 * run it with `nagChecks.validateScope(app)` or `app.synth({ force: true })`.
 */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new TokenServiceStack(app, 'RentMagicTokenService', { settings: readSettings(app) });
  const template = Template.fromStack(stack);
  const nagChecks = applyNagChecks(app);
  return { app, stack, template, resources: template.toJSON().Resources, nagChecks };
}

export function logicalIdOf(stack: TokenServiceStack, construct: { node: { defaultChild?: unknown } }): string {
  const child = construct.node.defaultChild;
  if (!child) throw new Error('The construct has no CloudFormation resource');
  return stack.getLogicalId(child as Parameters<TokenServiceStack['getLogicalId']>[0]);
}

/** Returns the logical ids of one token function's resources. */
export function functionIds(synthesized: Synthesized, name: FunctionName) {
  const { stack } = synthesized;
  const tokenFunction = name === 'authorizer' ? stack.authorizerFunction : stack.handlerFunctions.get(name);
  if (!tokenFunction) throw new Error(`No function named ${name}`);
  return {
    function: logicalIdOf(stack, tokenFunction.function),
    role: logicalIdOf(stack, tokenFunction.role),
    logGroup: logicalIdOf(stack, tokenFunction.logGroup),
  };
}

export function resourcesOfType(resources: Record<string, CfnResource>, type: string): [string, CfnResource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/**
 * Renders an intrinsic value as a string, `${LogicalId}` for a Ref and
 * `${LogicalId.Attribute}` for a GetAtt, so tests can compare ARNs as text.
 */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const intrinsic = value as Record<string, any>;
    if ('Ref' in intrinsic) return `\${${intrinsic.Ref}}`;
    if ('Fn::GetAtt' in intrinsic) return `\${${intrinsic['Fn::GetAtt'].join('.')}}`;
    if ('Fn::Join' in intrinsic) {
      const [separator, parts] = intrinsic['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
  }
  throw new Error(`Cannot render ${JSON.stringify(value)}`);
}

/** Maps each AWS::ApiGateway::Resource logical id to its full path, such as `/tokens/{id}`. */
export function resourcePaths(resources: Record<string, CfnResource>): Map<string, string> {
  const paths = new Map<string, string>();
  const pathOf = (logicalId: string): string => {
    const known = paths.get(logicalId);
    if (known !== undefined) return known;
    const properties = resources[logicalId]?.Properties ?? {};
    const parent = properties.ParentId;
    const parentPath = parent && 'Ref' in parent ? pathOf(parent.Ref) : '';
    const path = `${parentPath}/${properties.PathPart}`;
    paths.set(logicalId, path);
    return path;
  };
  for (const [logicalId] of resourcesOfType(resources, 'AWS::ApiGateway::Resource')) pathOf(logicalId);
  return paths;
}

export interface MethodEntry {
  logicalId: string;
  path: string;
  httpMethod: string;
  properties: Record<string, any>;
}

export function methods(resources: Record<string, CfnResource>): MethodEntry[] {
  const paths = resourcePaths(resources);
  return resourcesOfType(resources, 'AWS::ApiGateway::Method').map(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    const resourceId = properties.ResourceId;
    const path = resourceId && 'Ref' in resourceId ? (paths.get(resourceId.Ref) ?? '?') : '/';
    return { logicalId, path, httpMethod: properties.HttpMethod, properties };
  });
}
