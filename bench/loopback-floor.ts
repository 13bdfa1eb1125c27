import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { formatDuration, type ItemResult } from './report';
import { summarize } from './sampling';

const ECHO_SERVER = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));
const WARMUP_REQUESTS = 300;
const MEASURED_REQUESTS = 3000;

/**
 * Measures the tail of this machine itself: sequential round trips to a trivial HTTP server in
 * another process, over loopback, with a keep-alive connection. Every latency item
 * includes at least this, so its p99/p50 shows how much of an item's tail the code can
 * be blamed for. Reported, no target.
 */
export async function measureLoopbackFloor(): Promise<ItemResult> {
  const child = spawn(process.execPath, [ECHO_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const port = Number(chunk.toString('utf8').trim());
    const post = (): Promise<void> =>
      new Promise((resolve, reject) => {
        const request = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent }, (response) => {
          response.resume();
          response.on('end', resolve);
        });
        request.on('error', reject);
        request.end('{"TableName":"bench"}');
      });

    for (let i = 0; i < WARMUP_REQUESTS; i++) await post();
    const samples: number[] = [];
    for (let i = 0; i < MEASURED_REQUESTS; i++) {
      const started = performance.now();
      await post();
      samples.push(performance.now() - started);
    }
    const distribution = summarize(samples);
    return {
      item: 'machine: loopback HTTP round trip',
      baseline: '-',
      candidate: formatDuration(distribution.median),
      tailRatio: distribution.p99 / distribution.median,
      target: 'report only',
      note: `p99 ${formatDuration(distribution.p99)}`,
    };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
  }
}
