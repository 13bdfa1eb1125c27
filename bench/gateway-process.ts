/**
 * Runs the local gateway in a process of its own for item 5, so the load generator in
 * the benchmark process never shares its event loop. Started by gateway-load.ts as
 * `node --import tsx bench/gateway-process.ts --store URL --table NAME --cache-ttl SECONDS`
 * with an IPC channel: it sends `{ url }` once it listens, and stops on SIGTERM or when
 * the parent goes away.
 */
import { parseArgs } from 'node:util';
import { startLocalGateway } from '../local/gateway';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      store: { type: 'string' },
      table: { type: 'string' },
      'cache-ttl': { type: 'string' },
    },
  });
  if (!values.store || !values.table || values['cache-ttl'] === undefined || !process.send) {
    throw new Error('Usage: gateway-process.ts --store URL --table NAME --cache-ttl SECONDS, started with an IPC channel');
  }

  const gateway = await startLocalGateway({
    tableName: values.table,
    dynamodbEndpoint: values.store,
    cacheTtlSeconds: Number(values['cache-ttl']),
    // The gateway logs one line per request at info, as the deployed stage writes access logs.
    logLevel: 'info',
  });
  process.send({ url: gateway.url });

  const stop = (): void => {
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway process failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
