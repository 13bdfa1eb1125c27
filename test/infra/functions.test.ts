import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type HandlerName } from '../../functions/routes';
import { PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE } from '../../functions/tokens/table';
import { PRODUCTION_ESBUILD_OPTIONS } from '../../infra/bundling';
import { LAMBDA_BUNDLING, type FunctionName } from '../../infra/token-function';
import {
  functionIds,
  logicalIdOf,
  render,
  resourcesOfType,
  synthesize,
  type CfnResource,
  type Synthesized,
} from './synthesize';

/** The DynamoDB actions each function's code calls, written out here rather than read from the stack. */
const EXPECTED_TABLE_ACTIONS: Record<FunctionName, string[]> = {
  authorizer: ['dynamodb:GetItem'],
  whoami: ['dynamodb:GetItem'],
  'get-token': ['dynamodb:GetItem'],
  'list-tokens': ['dynamodb:Query'],
  'create-token': ['dynamodb:PutItem'],
  'delete-token': ['dynamodb:DeleteItem', 'dynamodb:GetItem'],
  'delete-tokens': ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem'],
  'reject-token-update': [],
};

const CACHE_FLUSHERS: ReadonlySet<FunctionName> = new Set(['delete-token', 'delete-tokens']);

const FUNCTION_NAMES = Object.keys(EXPECTED_TABLE_ACTIONS) as FunctionName[];

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

let synthesized: Synthesized;
let tableId: string;
let apiId: string;

beforeAll(() => {
  synthesized = synthesize();
  tableId = logicalIdOf(synthesized.stack, synthesized.stack.table);
  apiId = logicalIdOf(synthesized.stack, synthesized.stack.api);
});

function statementsOf(roleId: string): Statement[] {
  return resourcesOfType(synthesized.resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties?.Roles ?? []).some((role: unknown) => render(role) === `\${${roleId}}`))
    .flatMap(([, policy]) => policy.Properties?.PolicyDocument.Statement as Statement[]);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

function functionResource(name: FunctionName): CfnResource {
  const resource = synthesized.resources[functionIds(synthesized, name).function];
  if (!resource) throw new Error(`No Lambda function for ${name}`);
  return resource;
}

describe('token table', () => {
  let table: CfnResource;
  beforeAll(() => {
    table = synthesized.resources[tableId]!;
  });

  it('is the only table', () => {
    expect(resourcesOfType(synthesized.resources, 'AWS::DynamoDB::Table')).toHaveLength(1);
  });

  it('has the key schema of functions/tokens/table.ts', () => {
    expect(table.Properties?.KeySchema).toEqual([
      { AttributeName: PARTITION_KEY, KeyType: 'HASH' },
      { AttributeName: SORT_KEY, KeyType: 'RANGE' },
    ]);
    expect(table.Properties?.AttributeDefinitions).toEqual([
      { AttributeName: PARTITION_KEY, AttributeType: 'S' },
      { AttributeName: SORT_KEY, AttributeType: 'S' },
    ]);
  });

  it('bills per request', () => {
    expect(table.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('has point-in-time recovery', () => {
    expect(table.Properties?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('has deletion protection', () => {
    expect(table.Properties?.DeletionProtectionEnabled).toBe(true);
  });

  it('is encrypted with the AWS managed key', () => {
    // SSEEnabled with no KMS key id selects the aws/dynamodb key.
    expect(table.Properties?.SSESpecification).toEqual({ SSEEnabled: true });
  });

  it('expires items by the TTL attribute', () => {
    expect(table.Properties?.TimeToLiveSpecification).toEqual({ AttributeName: TTL_ATTRIBUTE, Enabled: true });
  });

  it('is retained when the stack goes', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('lets CloudFormation choose the name by default', () => {
    expect(table.Properties?.TableName).toBeUndefined();
  });
});

describe('functions', () => {
  it('exist once per handler plus the authorizer', () => {
    const handlers = new Set(ROUTES.flatMap((route) => (route.handler ? [route.handler] : [])));

    expect(new Set(synthesized.stack.handlerFunctions.keys())).toEqual(handlers);
    expect(resourcesOfType(synthesized.resources, 'AWS::Lambda::Function')).toHaveLength(handlers.size + 1);
  });

  it('cover every function of the expected grants', () => {
    expect(new Set([...synthesized.stack.handlerFunctions.keys(), 'authorizer'])).toEqual(new Set(FUNCTION_NAMES));
  });

  it.each(FUNCTION_NAMES)('%s runs Node.js 22 on arm64', (name) => {
    const properties = functionResource(name).Properties!;

    expect(properties.Runtime).toBe('nodejs22.x');
    expect(properties.Architectures).toEqual(['arm64']);
    expect(properties.Handler).toBe('index.handler');
  });

  it.each(FUNCTION_NAMES)('%s has the timeout and memory of its kind', (name) => {
    const properties = functionResource(name).Properties!;

    expect(properties.Timeout).toBe(name === 'authorizer' ? 5 : 10);
    expect(properties.MemorySize).toBe(name === 'authorizer' ? 512 : 256);
  });

  it.each(FUNCTION_NAMES)('%s gets the shared environment', (name) => {
    const variables = functionResource(name).Properties!.Environment.Variables;

    expect(render(variables.TABLE_NAME)).toBe(`\${${tableId}}`);
    expect(variables.LOG_LEVEL).toBe('info');
    expect(variables.CORS_ORIGINS).toBe('*');
    expect(variables).not.toHaveProperty('NODE_OPTIONS');
  });

  it.each(FUNCTION_NAMES)('%s gets REST_API_ID and STAGE_NAME only to flush', (name) => {
    const variables = functionResource(name).Properties!.Environment.Variables;

    if (CACHE_FLUSHERS.has(name)) {
      expect(render(variables.REST_API_ID)).toBe(`\${${apiId}}`);
      expect(variables.STAGE_NAME).toBe('v1');
    } else {
      expect(variables).not.toHaveProperty('REST_API_ID');
      expect(variables).not.toHaveProperty('STAGE_NAME');
    }
  });

  it.each(FUNCTION_NAMES)('%s logs to its own group with retention', (name) => {
    const ids = functionIds(synthesized, name);
    const properties = functionResource(name).Properties!;

    expect(render(properties.LoggingConfig.LogGroup)).toBe(`\${${ids.logGroup}}`);
    expect(synthesized.resources[ids.logGroup]?.Properties?.RetentionInDays).toBe(90);
  });

  it('bundle with the production esbuild options', () => {
    expect(LAMBDA_BUNDLING.format).toBe('esm');
    expect(LAMBDA_BUNDLING.minify).toBe(true);
    expect(LAMBDA_BUNDLING.sourceMap).toBe(false);
    expect(LAMBDA_BUNDLING.target).toBe('node22');
    expect(LAMBDA_BUNDLING.externalModules).toEqual([]);
    expect(LAMBDA_BUNDLING.banner).toBe(PRODUCTION_ESBUILD_OPTIONS.banner.js);
    expect(LAMBDA_BUNDLING.mainFields).toEqual(PRODUCTION_ESBUILD_OPTIONS.mainFields);
    expect(LAMBDA_BUNDLING.esbuildArgs).toEqual({ '--legal-comments': 'none' });
  });
});

describe('function permissions', () => {
  it.each(FUNCTION_NAMES)('%s holds exactly its table actions', (name) => {
    const ids = functionIds(synthesized, name);
    const statements = statementsOf(ids.role);
    const tableArn = `\${${tableId}.Arn}`;
    const cacheArn = `arn:\${AWS::Partition}:apigateway:\${AWS::Region}::/restapis/\${${apiId}}/stages/v1/cache/authorizers`;

    const tableActions: string[] = [];
    const flushActions: string[] = [];
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      const resources = (Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource]).map(render);
      expect(resources).toHaveLength(1);
      const [resource] = resources;

      if (resource === tableArn) tableActions.push(...actionsOf(statement));
      else if (resource === cacheArn) flushActions.push(...actionsOf(statement));
      else {
        // The only other statement is writing to the function's own log group.
        expect(resource).toBe(`\${${ids.logGroup}.Arn}`);
        expect(actionsOf(statement).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      }
    }

    expect(tableActions.sort()).toEqual(EXPECTED_TABLE_ACTIONS[name]);
    expect(flushActions).toEqual(CACHE_FLUSHERS.has(name) ? ['apigateway:DELETE'] : []);
  });

  it.each(FUNCTION_NAMES)('%s role has no managed policy', (name) => {
    const role = synthesized.resources[functionIds(synthesized, name).role]!;

    expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties?.Policies).toBeUndefined();
  });

  it('grant no DynamoDB wildcard or Scan anywhere', () => {
    const actions = resourcesOfType(synthesized.resources, 'AWS::IAM::Policy').flatMap(([, policy]) =>
      (policy.Properties?.PolicyDocument.Statement as Statement[]).flatMap(actionsOf),
    );

    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) {
      expect(action).not.toBe('dynamodb:*');
      expect(action).not.toMatch(/Scan|\*/);
    }
  });

  it('grant the flush only to the delete functions', () => {
    const flushers = FUNCTION_NAMES.filter((name) =>
      statementsOf(functionIds(synthesized, name).role).some((statement) =>
        actionsOf(statement).includes('apigateway:DELETE'),
      ),
    );

    expect(flushers.sort()).toEqual(['delete-token', 'delete-tokens'] satisfies HandlerName[]);
  });
});

describe('template', () => {
  /** Collects every logical id that `value` refers to with Ref, GetAtt or Sub. */
  function references(value: unknown, found: Set<string>): Set<string> {
    if (Array.isArray(value)) value.forEach((item) => references(item, found));
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Ref' && typeof inner === 'string') found.add(inner);
        else if (key === 'Fn::GetAtt') found.add(String((inner as string[])[0]).split('.')[0]!);
        else if (key === 'Fn::Sub') {
          const text = Array.isArray(inner) ? inner[0] : inner;
          for (const match of String(text).matchAll(/\$\{([^}.!]+)/g)) found.add(match[1]!);
          if (Array.isArray(inner)) references(inner[1], found);
        } else references(inner, found);
      }
    }
    return found;
  }

  it('has no circular dependency', () => {
    const { resources } = synthesized;
    const edges = new Map<string, string[]>();
    for (const [logicalId, resource] of Object.entries(resources)) {
      const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
      const targets = [...references(resource.Properties, new Set()), ...dependsOn];
      edges.set(
        logicalId,
        targets.filter((target) => target in resources),
      );
    }

    const state = new Map<string, 'visiting' | 'done'>();
    const cycle: string[] = [];
    const visit = (node: string, trail: string[]): boolean => {
      if (state.get(node) === 'done') return false;
      if (state.get(node) === 'visiting') {
        cycle.push(...trail.slice(trail.indexOf(node)), node);
        return true;
      }
      state.set(node, 'visiting');
      for (const next of edges.get(node) ?? []) if (visit(next, [...trail, node])) return true;
      state.set(node, 'done');
      return false;
    };
    for (const node of edges.keys()) if (visit(node, [])) break;

    expect(cycle).toEqual([]);
  });

  it('outputs the API URL, table name and stage name', () => {
    const outputs = synthesized.template.toJSON().Outputs;

    expect(Object.keys(outputs).sort()).toEqual(['ApiUrl', 'StageName', 'TableName']);
    expect(render(outputs.TableName.Value)).toBe(`\${${tableId}}`);
    expect(outputs.StageName.Value).toBe('v1');
    expect(render(outputs.ApiUrl.Value)).toMatch(new RegExp(`^https://\\$\\{${apiId}\\}\\.execute-api\\.`));
  });
});
