/**
 * `npm run bench`: the performance benchmark of the token service.
 *
 * Every item with a target is a ratio to a baseline measured in the same run on the same
 * machine, against one local store that runs in a child process. The run prints one
 * table and exits with code 1 when any target is missed. docs/benchmarks.md describes what
 * each item measures.
 *
 * Order: the in-process timings first, then the gateway load, then the bundles and their
 * cold starts, so that no esbuild or spawned process is alive while a latency is timed.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { ensureTable } from '../local/table';
import { applyFunctionEnvironment, BENCH_TABLE_NAME } from './environment';
import { formatTable, type ItemResult } from './report';
import { startStoreProcess } from './store-process';

const GATEWAY_MODULE = new URL('../local/gateway.ts', import.meta.url);

async function main(): Promise<number> {
  const started = performance.now();
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown model'}), ${process.platform} ${process.arch}`);
  // Other processes on the machine add noise to every item, and the load average shows how much.
  console.log(`load average at start: ${formatLoad()}`);

  const store = await startStoreProcess();
  const results: ItemResult[] = [];
  const skipped: string[] = [];
  try {
    applyFunctionEnvironment(store.endpoint);
    await createTable(store.endpoint);

    // Imported only now, because the handler files read the environment at import.
    const { measureLoopbackFloor } = await import('./loopback-floor');
    const { measureAuthorizer } = await import('./authorizer-items');
    const { measureAdminHandlers } = await import('./admin-items');
    const { measureBundles } = await import('./bundle-items');

    results.push(await measureLoopbackFloor());
    results.push(...(await measureAuthorizer(store.endpoint, BENCH_TABLE_NAME)));
    results.push(...(await measureAdminHandlers(store.endpoint, BENCH_TABLE_NAME)));

    if (existsSync(GATEWAY_MODULE)) {
      results.push(...(await measureGatewayOrReportFailure(store.endpoint)));
    } else {
      skipped.push('item 5 skipped: local/gateway.ts does not exist, so there is no gateway to load');
    }

    results.push(...(await measureBundles(store.endpoint)));
  } finally {
    await store.stop();
  }

  console.log('');
  console.log(formatTable(results));
  console.log('');
  for (const line of skipped) console.log(line);
  console.log(`load average at end: ${formatLoad()}`);
  console.log(`total time ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const failed = results.filter((result) => result.pass === false);
  if (failed.length > 0) {
    console.log(`${failed.length} of ${results.length} items missed their target: ${failed.map((result) => result.item).join('; ')}`);
    return 1;
  }
  console.log('every target met');
  return 0;
}

/** Runs item 5, and turns a gateway that fails to start or serve into a failed row, so the other items still report. */
async function measureGatewayOrReportFailure(storeEndpoint: string): Promise<ItemResult[]> {
  try {
    const { measureGatewayLoad } = await import('./gateway-load');
    return await measureGatewayLoad(storeEndpoint, BENCH_TABLE_NAME);
  } catch (error) {
    console.error('item 5 failed:', error);
    const message = error instanceof Error ? error.message : String(error);
    return [{ item: '5 GET /whoami via gateway', baseline: '-', candidate: '-', target: 'report only', pass: false, note: message }];
  }
}

function formatLoad(): string {
  return loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');
}

async function createTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint });
  try {
    await ensureTable(client, BENCH_TABLE_NAME);
  } finally {
    client.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('benchmark failed:', error);
    process.exitCode = 2;
  },
);
