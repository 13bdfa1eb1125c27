import { parseArgs } from 'node:util';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { BootstrapInputError, bootstrapAdminToken, tenantHasTokens, validateBootstrapRequest } from './bootstrap';

/**
 * `npm run tokens -- bootstrap ...`: creates a tenant's first admin token in the table.
 * Exit codes: 0 done, 1 the store failed or the tenant already has tokens, 2 invalid arguments.
 */
const USAGE = `Usage: npm run tokens -- bootstrap --tenant ID --name NAME [options]

Creates the first admin token of a tenant, with every right, straight in the token table,
and prints its secret once. Create every further token through POST /tokens.

Options:
  --tenant ID        tenant id: 1 to 63 lower-case letters, digits and hyphens (required)
  --name NAME        token name, at most 100 characters (required)
  --table TABLE      token table name (default: TABLE_NAME)
  --endpoint URL     DynamoDB endpoint of a local store, such as http://127.0.0.1:8000
                     (default: DYNAMODB_ENDPOINT). Without one the token is written to
                     AWS with the default credential chain.
  --region REGION    AWS region (default: AWS_REGION or the AWS config; "local" with --endpoint)
  --force            create the token even when the tenant already has tokens, for
                     example after every admin secret was lost
  -h, --help         print this help
`;

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {
  override name = 'UsageError';
}

interface BootstrapArguments {
  tenantId: string;
  name: string;
  tableName: string;
  endpoint?: string;
  region?: string;
  force: boolean;
}

async function runTokensCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: BootstrapArguments | 'help';
  try {
    parsed = parseArguments(args, env);
  } catch (error) {
    if (!(error instanceof UsageError || isParseArgsError(error))) throw error;
    process.stderr.write(`Error: ${usageMessage(error as Error)}\nRun "npm run tokens -- --help" for usage.\n`);
    return EXIT_USAGE;
  }

  if (parsed === 'help') {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  return bootstrap(parsed);
}

function parseArguments(args: string[], env: NodeJS.ProcessEnv): BootstrapArguments | 'help' {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      tenant: { type: 'string' },
      name: { type: 'string' },
      table: { type: 'string' },
      endpoint: { type: 'string' },
      region: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });

  if (values.help) return 'help';

  const [command, ...extra] = positionals;
  if (command === undefined) throw new UsageError('Missing command: expected "bootstrap".');
  if (command !== 'bootstrap') throw new UsageError(`Unknown command "${command}": expected "bootstrap".`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}": pass values with their option, such as --name "Ops admin".`);

  if (values.tenant === undefined) throw new UsageError('Missing --tenant: give the tenant id, such as --tenant acme.');
  if (values.name === undefined) throw new UsageError('Missing --name: give the token name, such as --name "Ops admin".');

  const tableName = values.table ?? env.TABLE_NAME;
  if (!tableName) throw new UsageError('Missing --table: give the token table name, or set TABLE_NAME.');

  const endpoint = values.endpoint ?? (env.DYNAMODB_ENDPOINT || undefined);
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    const source = values.endpoint === undefined ? 'DYNAMODB_ENDPOINT' : '--endpoint';
    throw new UsageError(`Invalid ${source} ${JSON.stringify(endpoint)}: expected a URL such as http://127.0.0.1:8000.`);
  }

  try {
    validateBootstrapRequest({ tenantId: values.tenant, name: values.name });
  } catch (error) {
    if (!(error instanceof BootstrapInputError)) throw error;
    throw new UsageError(`${error.field === 'tenantId' ? '--tenant' : '--name'}: ${error.message}`);
  }

  return {
    tenantId: values.tenant,
    name: values.name,
    tableName,
    ...(endpoint === undefined ? {} : { endpoint }),
    ...(values.region === undefined ? {} : { region: values.region }),
    force: values.force,
  };
}

async function bootstrap(args: BootstrapArguments): Promise<number> {
  // Loaded here rather than at the top, so --help and argument errors return without loading the AWS SDK.
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { TokenRepository } = await import('../functions/tokens/repository');

  const client = new DynamoDBClient(clientConfig(args));
  const repository = new TokenRepository(
    DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    args.tableName,
  );
  const target = args.endpoint ? `table ${args.tableName} at ${args.endpoint}` : `table ${args.tableName} in AWS`;

  try {
    // NOTE: Check and write are two calls, so two concurrent runs can both pass the check.
    if (!args.force && (await tenantHasTokens(repository, args.tenantId))) {
      process.stderr.write(
        `Error: tenant ${args.tenantId} already has tokens in ${target}. Create more through POST /tokens, ` +
          'or pass --force to add another admin token.\n',
      );
      return EXIT_FAILED;
    }

    const { token, secret } = await bootstrapAdminToken(repository, { tenantId: args.tenantId, name: args.name });
    process.stdout.write(
      `Created admin token ${token.id} ("${token.name}") for tenant ${token.tenantId} in ${target}.\n` +
        'Its secret is shown only this once. Store it now; it cannot be shown again:\n\n' +
        `  ${secret}\n\n`,
    );
    return EXIT_OK;
  } catch (error) {
    const hint = causedByMissingTable(error)
      ? ` Check the table name (--table or TABLE_NAME)${args.endpoint ? ' and the endpoint' : ' and the region'}.`
      : '';
    process.stderr.write(`Error: bootstrapping an admin token in ${target} failed: ${describeFailure(error)}.${hint}\n`);
    return EXIT_FAILED;
  } finally {
    client.destroy();
  }
}

function clientConfig(args: BootstrapArguments): DynamoDBClientConfig {
  if (args.endpoint === undefined) {
    return args.region === undefined ? {} : { region: args.region };
  }
  // A local store accepts any signature, so placeholder credentials keep real ones out of the requests.
  return {
    endpoint: args.endpoint,
    region: args.region ?? process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  };
}

/** Returns the message of the error and its causes, such as the store's "table not found". */
function describeFailure(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  while (current instanceof Error && messages.length < 4) {
    messages.push(current.message);
    current = current.cause;
  }
  return messages.length > 0 ? messages.join(': ') : String(error);
}

/** Keeps the first sentence of Node's parser messages, whose advice on positional arguments does not apply here. */
function usageMessage(error: Error): string {
  if (!isParseArgsError(error)) return error.message;
  const end = error.message.indexOf('. ');
  return end === -1 ? error.message : error.message.slice(0, end + 1);
}

function causedByMissingTable(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current.name === 'ResourceNotFoundException') return true;
  }
  return false;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

process.exitCode = await runTokensCommand(process.argv.slice(2), process.env);
