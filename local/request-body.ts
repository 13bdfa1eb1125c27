import type http from 'node:http';

export type BodyReadResult = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' };

/**
 * Reads the request body up to `maxBytes`. A declared Content-Length above the limit is
 * rejected before any byte is read. Past the limit the rest of the body is read and
 * dropped, so the client can finish sending and then read the response.
 */
export function readRequestBody(req: http.IncomingMessage, maxBytes: number): Promise<BodyReadResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.resume();
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;

    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', reject);
      req.resume();
      resolve({ ok: false, reason: 'too-large' });
    };
    const onEnd = () => resolve({ ok: true, bytes: Buffer.concat(chunks) });
    // A client that disconnects mid-body may close the request without an error event.
    const onClose = () => {
      if (!req.complete) reject(new Error('The client closed the connection before the request body ended'));
    };

    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', reject);
    req.once('close', onClose);
  });
}
