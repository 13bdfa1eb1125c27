import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerName } from '../functions/routes';
import { LAMBDA_NODE_TARGET, PRODUCTION_ESBUILD_OPTIONS } from './bundling';
import type { TokenServiceSettings } from './settings';

/** The repository root: entries, the lock file and tsconfig.json are found from here. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const LAMBDA_RUNTIME = Runtime.NODEJS_22_X;

// The bundle targets exactly the runtime's Node.js version, so the two must change together.
if (LAMBDA_RUNTIME.name !== `nodejs${LAMBDA_NODE_TARGET.replace('node', '')}.x`) {
  throw new Error(`Lambda runtime ${LAMBDA_RUNTIME.name} does not match the esbuild target ${LAMBDA_NODE_TARGET}`);
}

const OUTPUT_FORMATS = { esm: OutputFormat.ESM, cjs: OutputFormat.CJS } as const;

/**
 * NodejsFunction's form of PRODUCTION_ESBUILD_OPTIONS. NodejsFunction always bundles
 * for platform node and names the ESM output `index.mjs`, so those two need no option.
 */
export const LAMBDA_BUNDLING: BundlingOptions = {
  minify: PRODUCTION_ESBUILD_OPTIONS.minify,
  sourceMap: PRODUCTION_ESBUILD_OPTIONS.sourcemap,
  target: PRODUCTION_ESBUILD_OPTIONS.target,
  format: OUTPUT_FORMATS[PRODUCTION_ESBUILD_OPTIONS.format],
  mainFields: [...PRODUCTION_ESBUILD_OPTIONS.mainFields],
  banner: PRODUCTION_ESBUILD_OPTIONS.banner.js,
  externalModules: [...PRODUCTION_ESBUILD_OPTIONS.external],
  esbuildArgs: { '--legal-comments': PRODUCTION_ESBUILD_OPTIONS.legalComments },
  logLevel: LogLevel.WARNING,
};

export type FunctionName = HandlerName | 'authorizer';

export interface TokenFunctionProps {
  /** The file `functions/<name>.ts`, whose export `handler` Lambda calls. */
  name: FunctionName;
  description: string;
  table: ITable;
  settings: Pick<TokenServiceSettings, 'logLevel' | 'corsOrigins' | 'logRetentionDays'>;
  timeout: Duration;
  memorySize: number;
  /** Variables added to the shared ones (TABLE_NAME, LOG_LEVEL, CORS_ORIGINS). */
  environment?: Record<string, string>;
}

/**
 * A Lambda function of the token service with the house defaults: Node.js 22 on arm64,
 * the production bundle, its own log group, and a role that starts with nothing but
 * the right to write to that log group. Table access is granted per function with
 * `allowTableActions`, so every function holds only the actions its code calls.
 */
export class TokenFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: LogGroup;
  private readonly table: ITable;

  constructor(scope: Construct, id: string, props: TokenFunctionProps) {
    super(scope, id);
    this.table = props.table;

    // Kept after the stack is deleted, so the logs of a removed deployment can still be read.
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.settings.logRetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // A role of our own instead of the AWSLambdaBasicExecutionRole managed policy, which
    // allows writing to every log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.name} function of the token service`,
    });
    // The log group's ARN attribute ends in `:*`, which covers its log streams.
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.function = new NodejsFunction(this, 'Function', {
      description: props.description,
      projectRoot: PROJECT_ROOT,
      entry: path.join(PROJECT_ROOT, 'functions', `${props.name}.ts`),
      handler: 'handler',
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      bundling: LAMBDA_BUNDLING,
      environment: {
        TABLE_NAME: props.table.tableName,
        LOG_LEVEL: props.settings.logLevel,
        CORS_ORIGINS: props.settings.corsOrigins.join(','),
        ...props.environment,
      },
    });
  }

  /** Allows exactly `actions` on the table itself; no index or stream ARN is included. */
  allowTableActions(...actions: `dynamodb:${string}`[]): void {
    if (actions.length === 0) return;
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [this.table.tableArn] }));
  }
}
