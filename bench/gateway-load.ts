import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { ADMIN_CLIENT_SETTINGS, createDocumentClient } from '../functions/shared/dynamodb';
import { TokenRepository } from '../functions/tokens/repository';
import { functionEnvironment } from './environment';
import { storeToken } from './fixtures';
import { formatDuration, type ItemResult } from './report';
import { percentile } from './sampling';

const GATEWAY_SCRIPT = fileURLToPath(new URL('./gateway-process.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bounds of the load: fixed concurrency, a fixed number of requests and a time limit. */
const CONCURRENCY = 8;
const WARMUP_REQUESTS = 300;
const MEASURED_REQUESTS = 3000;
const TIME_LIMIT_MS = 20_000;
const START_TIMEOUT_MS = 30_000;

interface LoadResult {
  completed: number;
  failed: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  timedOut: boolean;
}

/**
 * Item 5: authorized `GET /whoami` over loopback through the local gateway, with the
 * authorizer cache on (every request after the first is a cache hit) and off
 * (cacheTtlSeconds 0, so every request runs the authorizer). Reported, no target.
 */
export async function measureGatewayLoad(storeEndpoint: string, tableName: string): Promise<ItemResult[]> {
  const client = createDocumentClient(ADMIN_CLIENT_SETTINGS, storeEndpoint);
  const { secret } = await storeToken(new TokenRepository(client, tableName), ['tokens:read']).finally(() => client.destroy());

  const results: ItemResult[] = [];
  for (const [label, cacheTtlSeconds] of [
    ['cache hit', 300],
    ['cache miss', 0],
  ] as const) {
    const gateway = await startGatewayProcess(storeEndpoint, tableName, cacheTtlSeconds);
    try {
      const load = await runLoad(gateway.url, secret);
      results.push({
        item: `5 GET /whoami via gateway, ${label}`,
        baseline: '-',
        candidate: `${load.requestsPerSecond.toFixed(0)} req/s`,
        tailRatio: load.p99 / load.p50,
        target: 'report only',
        note: `p50 ${formatDuration(load.p50)}, p99 ${formatDuration(load.p99)}, ${load.completed} requests, ${CONCURRENCY} concurrent${
          load.failed > 0 ? `, ${load.failed} not 200` : ''
        }${load.timedOut ? ', stopped at the time limit' : ''}`,
        // A request that fails is a regression of behaviour, not of speed.
        ...(load.failed > 0 ? { pass: false } : {}),
      });
    } finally {
      await gateway.stop();
    }
  }
  return results;
}

interface GatewayProcess {
  url: string;
  stop(): Promise<void>;
}

async function startGatewayProcess(storeEndpoint: string, tableName: string, cacheTtlSeconds: number): Promise<GatewayProcess> {
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--import', 'tsx', GATEWAY_SCRIPT, '--store', storeEndpoint, '--table', tableName, '--cache-ttl', String(cacheTtlSeconds)],
    {
      cwd: PROJECT_ROOT,
      env: { ...functionEnvironment(storeEndpoint), LOG_LEVEL: 'info', PATH: process.env.PATH ?? '' },
      // Function and gateway logs go to /dev/null: writing them is part of the cost, reading them is not.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  try {
    const url = await waitForUrl(child);
    return {
      url,
      stop: async () => {
        process.off('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Gateway process did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Gateway process exited with code ${String(code)} before it listened`));
    });
    child.once('message', (message: { url?: unknown }) => {
      clearTimeout(timer);
      if (typeof message.url === 'string' && message.url.startsWith('http://127.0.0.1:')) resolve(message.url);
      else reject(new Error(`Gateway process sent an unexpected message: ${JSON.stringify(message)}`));
    });
  });
}

async function runLoad(baseUrl: string, secret: string): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const url = new URL('/whoami', baseUrl);
  const headers = { Authorization: `Bearer ${secret}`, Accept: 'application/json' };
  const get = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const request = http.get(url, { agent, headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      });
      request.on('error', reject);
    });

  try {
    await runWorkers(WARMUP_REQUESTS, Number.POSITIVE_INFINITY, get);
    const started = performance.now();
    const outcome = await runWorkers(MEASURED_REQUESTS, started + TIME_LIMIT_MS, get);
    const elapsedMs = performance.now() - started;
    const sorted = outcome.latencies.sort((a, b) => a - b);
    return {
      completed: sorted.length,
      failed: outcome.failed,
      requestsPerSecond: (sorted.length / elapsedMs) * 1000,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      timedOut: sorted.length < MEASURED_REQUESTS,
    };
  } finally {
    agent.destroy();
  }
}

/** Runs CONCURRENCY loops that each send one request at a time until `total` are sent or the deadline passes. */
async function runWorkers(total: number, deadline: number, get: () => Promise<number>): Promise<{ latencies: number[]; failed: number }> {
  const latencies: number[] = [];
  let sent = 0;
  let failed = 0;
  const worker = async (): Promise<void> => {
    while (sent < total && performance.now() < deadline) {
      sent++;
      const started = performance.now();
      const status = await get();
      latencies.push(performance.now() - started);
      if (status !== 200) failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { latencies, failed };
}
