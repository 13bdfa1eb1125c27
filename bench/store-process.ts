import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The local store in a child process of its own, so it never shares the measured event loop. */
export interface StoreProcess {
  endpoint: string;
  stop(): Promise<void>;
}

const STORE_SCRIPT = fileURLToPath(new URL('../local/store.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Starts `local/store.ts` on a free loopback port and waits for the endpoint it prints.
 * It runs `node --import tsx` directly rather than `npx tsx`, because npx does not
 * forward SIGTERM to the store.
 */
export async function startStoreProcess(): Promise<StoreProcess> {
  const child = spawn(process.execPath, ['--no-warnings', '--import', 'tsx', STORE_SCRIPT, '--port', '0'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let endpoint: string;
  try {
    endpoint = await readEndpoint(child);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }

  return {
    endpoint,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readEndpoint(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) {
      reject(new Error('Local store process has no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(new Error(`Local store did not print its endpoint within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onExit = (code: number | null): void => fail(new Error(`Local store exited with code ${String(code)} before printing its endpoint`));

    function settle(): void {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      // Keeps reading, so later output can never fill the pipe and block the store.
      child.stdout?.resume();
    }
    function fail(error: Error): void {
      settle();
      reject(error);
    }
    function onLine(line: string): void {
      settle();
      let endpoint: unknown;
      try {
        ({ endpoint } = JSON.parse(line) as { endpoint?: unknown });
      } catch {
        endpoint = undefined;
      }
      if (typeof endpoint !== 'string' || !/^http:\/\/127\.0\.0\.1:\d+$/.test(endpoint)) {
        reject(new Error(`Local store printed an unexpected endpoint: ${line}`));
        return;
      }
      resolve(endpoint);
    }

    child.once('exit', onExit);
    lines.on('line', onLine);
  });
}
