import http from 'node:http';

/**
 * A minimal HTTP/1.1 client for tests that must control the request exactly: the raw
 * request target (`%2F`, `..`, bad percent-encoding), repeated header lines, header name
 * spelling and body bytes. fetch normalizes or rejects each of those.
 */
export interface ExactRequest {
  method: string;
  /** Request target as sent, path and query, without normalization. */
  target: string;
  /** Header lines in order; names keep their spelling and may repeat. */
  headers?: [string, string][];
  body?: string | Buffer;
}

export interface ExactResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: any;
}

/** Sends one request to a local server and reads the whole response. */
export function sendExact(baseUrl: string, request: ExactRequest): Promise<ExactResponse> {
  const url = new URL(baseUrl);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost') {
    return Promise.reject(new Error(`sendExact sends only to this machine, not to ${url.hostname}`));
  }

  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines: [string, string][] = [['Host', url.host], ...(request.headers ?? [])];
  if (body !== undefined) lines.push(['Content-Length', String(body.length)]);

  return new Promise((resolve, reject) => {
    const outgoing = http.request(
      { host: url.hostname, port: url.port, method: request.method, path: request.target, headers: lines.flat(), agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: parseJson(text) });
        });
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
