import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { percentile } from './sampling';

const run = promisify(execFile);

const PROBE = pathToFileURL(fileURLToPath(new URL('./network-probe.mjs', import.meta.url))).href;
const LOADER = fileURLToPath(new URL('./cold-start-loader.mjs', import.meta.url));
const SPAWN_TIMEOUT_MS = 20_000;

export type ConnectionCounts = Record<string, number>;

export interface LoaderReport {
  readyMs: number;
  atImport: ConnectionCounts;
  afterInvoke?: ConnectionCounts;
}

export interface ColdStart {
  /** Median of the spawns, in milliseconds from process start to `handler` defined. */
  medianMs: number;
  spawns: number;
  /** The maximum number of calls of each network function at import, over all spawns. */
  connectionsAtImport: ConnectionCounts;
}

/**
 * Starts a fresh `node` for one bundle with the network probe preloaded, and returns what
 * the loader reports. `environment` is the whole environment of the child, so nothing
 * of the benchmark process, such as NODE_OPTIONS, leaks into it.
 */
export async function spawnOnce(bundleFile: string, environment: Record<string, string>, event?: unknown): Promise<LoaderReport> {
  const args = ['--no-warnings', '--import', PROBE, LOADER, bundleFile];
  if (event !== undefined) args.push(JSON.stringify(event));
  const { stdout } = await run(process.execPath, args, { env: environment, timeout: SPAWN_TIMEOUT_MS });
  return JSON.parse(stdout.trim()) as LoaderReport;
}

/**
 * Measures the cold start of every bundle with `spawns` fresh processes each. The bundles
 * take turns, one spawn each per round in a rotating order, so drift reaches all alike.
 */
export async function measureColdStarts(
  bundleFiles: ReadonlyMap<string, string>,
  environment: Record<string, string>,
  spawns: number,
): Promise<Map<string, ColdStart>> {
  const names = [...bundleFiles.keys()];
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  const connections = new Map<string, ConnectionCounts>(names.map((name) => [name, {}]));

  for (let round = 0; round < spawns; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length] as string);
    for (const name of order) {
      const report = await spawnOnce(bundleFiles.get(name) as string, environment);
      times.get(name)?.push(report.readyMs);
      const most = connections.get(name) as ConnectionCounts;
      for (const [call, count] of Object.entries(report.atImport)) most[call] = Math.max(most[call] ?? 0, count);
    }
  }

  const results = new Map<string, ColdStart>();
  for (const name of names) {
    const sorted = [...(times.get(name) ?? [])].sort((a, b) => a - b);
    results.set(name, {
      medianMs: percentile(sorted, 50),
      spawns: sorted.length,
      connectionsAtImport: connections.get(name) ?? {},
    });
  }
  return results;
}

export function totalConnections(counts: ConnectionCounts | undefined): number {
  return Object.values(counts ?? {}).reduce((sum, count) => sum + count, 0);
}
