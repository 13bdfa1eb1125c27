import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLogger } from '../functions/shared/logger';
import { TokenRepository } from '../functions/tokens/repository';
import { bootstrapAdminToken, tenantHasTokens } from '../cli/bootstrap';
import { DEFAULT_CACHE_TTL_SECONDS, MAX_CACHE_TTL_SECONDS, startLocalGateway, type LocalGateway } from './gateway';
import { startLocalStore, type LocalStore } from './store';
import { ensureTable } from './table';

/**
 * `npm start`: the whole service on this machine. It starts the local store (in memory, or
 * kept in `--data DIR`), creates the table, starts the local gateway on 127.0.0.1, creates
 * an admin token for tenant `demo` and prints its secret once with curl examples.
 *
 * Every start creates a new admin token, because a secret is shown only when it is
 * created: with `--data`, the tokens of earlier runs stay valid.
 */
const TABLE_NAME = 'tokens-local';
const TENANT_ID = 'demo';
const HOST = '127.0.0.1';
const DEFAULT_PORT = 3000;

const USAGE = `Usage: npm start -- [options]

Runs the token service locally: an embedded store, the table, the API on 127.0.0.1,
and a new admin token for tenant ${TENANT_ID}, printed once.

Options:
  --port PORT          port of the API (default: PORT or ${DEFAULT_PORT})
  --data DIR           keep the store in DIR between runs (default: in memory)
  --cache-ttl SECONDS  authorizer cache TTL, 0 to ${MAX_CACHE_TTL_SECONDS}; 0 turns the cache off
                       (default: CACHE_TTL_SECONDS or ${DEFAULT_CACHE_TTL_SECONDS})
  --cors-origins LIST  comma-separated origins a browser may call from; * allows any
                       (default: CORS_ORIGINS or *, as deployed)
  -h, --help           print this help
`;

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

const logger = createLogger({ fields: { component: 'local-start' } });

interface StartSettings {
  port: number;
  dataDir?: string;
  cacheTtlSeconds: number;
  /** Unset means the deployed default. */
  corsOrigins?: string[];
}

class UsageError extends Error {
  override name = 'UsageError';
}

async function main(): Promise<void> {
  let settings: StartSettings | 'help';
  try {
    settings = readSettings(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError || isParseArgsError(error))) throw error;
    process.stderr.write(`Error: ${(error as Error).message}\nRun "npm start -- --help" for usage.\n`);
    process.exitCode = EXIT_USAGE;
    return;
  }
  if (settings === 'help') {
    process.stdout.write(USAGE);
    return;
  }

  if (settings.dataDir !== undefined) await mkdir(settings.dataDir, { recursive: true });
  const store = await startLocalStore(settings.dataDir === undefined ? {} : { dataDir: settings.dataDir });
  const client = new DynamoDBClient({
    endpoint: store.endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });

  let gateway: LocalGateway | undefined;
  try {
    await ensureTable(client, TABLE_NAME);
    gateway = await startLocalGateway({
      port: settings.port,
      host: HOST,
      tableName: TABLE_NAME,
      dynamodbEndpoint: store.endpoint,
      cacheTtlSeconds: settings.cacheTtlSeconds,
      ...(settings.corsOrigins === undefined ? {} : { corsOrigins: settings.corsOrigins }),
    });

    const repository = new TokenRepository(
      DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
      TABLE_NAME,
    );
    const hadTokens = await tenantHasTokens(repository, TENANT_ID);
    const name = hadTokens ? `Local admin (${new Date().toISOString()})` : 'Local admin';
    const admin = await bootstrapAdminToken(repository, { tenantId: TENANT_ID, name });

    process.stdout.write(banner({ url: gateway.url, store, settings, tokenId: admin.token.id, secret: admin.secret, hadTokens }));
  } catch (error) {
    logger.error('local service failed to start', { error: describeStartFailure(error, settings.port) });
    await gateway?.close();
    client.destroy();
    await store.close();
    process.exitCode = EXIT_FAILED;
    return;
  }

  stopOnSignals(gateway, store, client);
}

function readSettings(args: string[], env: NodeJS.ProcessEnv): StartSettings | 'help' {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      'cache-ttl': { type: 'string' },
      'cors-origins': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';

  const port = wholeNumber(values.port ?? env.PORT, values.port === undefined ? 'PORT' : '--port', DEFAULT_PORT, 0, 65535);
  const cacheTtlSeconds = wholeNumber(
    values['cache-ttl'] ?? env.CACHE_TTL_SECONDS,
    values['cache-ttl'] === undefined ? 'CACHE_TTL_SECONDS' : '--cache-ttl',
    DEFAULT_CACHE_TTL_SECONDS,
    0,
    MAX_CACHE_TTL_SECONDS,
  );
  const corsList = values['cors-origins'] ?? env.CORS_ORIGINS;
  const corsOrigins = corsList
    ?.split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);

  if (values.data === '') throw new UsageError('Invalid --data: give a directory, such as --data .local-data.');
  return {
    port,
    cacheTtlSeconds,
    ...(corsOrigins === undefined || corsOrigins.length === 0 ? {} : { corsOrigins }),
    ...(values.data === undefined ? {} : { dataDir: values.data }),
  };
}

function wholeNumber(text: string | undefined, source: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`Invalid ${source} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}.`);
  }
  return value;
}

interface BannerInput {
  url: string;
  store: LocalStore;
  settings: StartSettings;
  tokenId: string;
  secret: string;
  hadTokens: boolean;
}

function banner({ url, store, settings, tokenId, secret, hadTokens }: BannerInput): string {
  const storage = settings.dataDir === undefined ? 'in memory, gone when this process stops' : `kept in ${settings.dataDir}`;
  const earlier = hadTokens ? ' The admin tokens of earlier runs stay valid.' : '';
  return `
RentMagic token service: ${url}
  table ${TABLE_NAME} on the local store ${store.endpoint} (${storage})
  authorizer cache TTL ${settings.cacheTtlSeconds} s

Admin token ${tokenId} of tenant ${TENANT_ID}, with every right.${earlier}
Its secret is shown only this once:

  export TOKEN=${secret}

Try it:
  curl -s ${url}/whoami -H "Authorization: Bearer $TOKEN"
  curl -s -X POST ${url}/tokens -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -d '{"name":"Warehouse sync","rights":["items:read"]}'
  curl -s ${url}/tokens -H "Authorization: Bearer $TOKEN"

Another tenant's first admin token:
  npm run tokens -- bootstrap --tenant acme --name "Acme admin" --table ${TABLE_NAME} --endpoint ${store.endpoint}

Press Ctrl+C to stop.

`;
}

function stopOnSignals(gateway: LocalGateway, store: LocalStore, client: DynamoDBClient): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting for open requests', { signal });
      process.exit(EXIT_FAILED);
    }
    stopping = true;
    logger.info('local service stopping', { signal });

    gateway
      .close()
      .then(() => {
        client.destroy();
        return store.close();
      })
      .then(
        () => {
          logger.info('local service stopped');
          process.exit(0);
        },
        (error: unknown) => {
          logger.error('local service failed to stop cleanly', { error });
          process.exit(EXIT_FAILED);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function describeStartFailure(error: unknown, port: number): unknown {
  if ((error as { code?: unknown } | null)?.code === 'EADDRINUSE') {
    return `Port ${port} on ${HOST} is in use: stop the other process, or pass --port or set PORT to another port`;
  }
  return error;
}

function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

await main();
