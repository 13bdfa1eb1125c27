import http from 'node:http';
import { TokenRepository } from '../../functions/tokens/repository';
import { bootstrapAdminToken, type BootstrapResult } from '../../cli/bootstrap';
import { startLocalGateway, type LocalGateway, type LocalGatewayOptions } from '../../local/gateway';
import type { TestStore } from './store';

/**
 * The service as a client sees it: a local gateway over its own table on a test store,
 * with the gateway's log lines captured and helpers for calls over real HTTP.
 */
export interface TestService {
  gateway: LocalGateway;
  url: string;
  tableName: string;
  repository: TokenRepository;
  /** The gateway's log lines, parsed, oldest first. */
  logEntries(): Record<string, unknown>[];
  /** The gateway's log lines as written. */
  logLines: string[];
  /** Creates a tenant's admin token straight in the table. */
  bootstrap(tenantId: string, name?: string): Promise<BootstrapResult>;
  call(path: string, options?: CallOptions): Promise<Response>;
  /** Creates a token through POST /tokens and returns its id and secret. */
  createToken(adminSecret: string, rights: string[], name?: string): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

export interface CallOptions {
  method?: string;
  /** Sent as `Authorization: Bearer <secret>`. */
  secret?: string;
  /** Sent as JSON with Content-Type application/json. */
  json?: unknown;
  headers?: Record<string, string>;
}

export type ServiceOptions = Omit<LocalGatewayOptions, 'tableName' | 'dynamodbEndpoint' | 'logSink'> & {
  /** Overrides the store endpoint the functions use. */
  dynamodbEndpoint?: string;
};

export async function startTestService(store: TestStore, options: ServiceOptions = {}): Promise<TestService> {
  const tableName = await store.createTable();
  const logLines: string[] = [];
  const gateway = await startLocalGateway({
    tableName,
    dynamodbEndpoint: store.store.endpoint,
    ...options,
    logSink: (line) => logLines.push(line),
  });
  const repository = new TokenRepository(store.documentClient, tableName);

  const call = (path: string, callOptions: CallOptions = {}): Promise<Response> => {
    const headers: Record<string, string> = { ...callOptions.headers };
    if (callOptions.secret !== undefined) headers.Authorization = `Bearer ${callOptions.secret}`;
    if (callOptions.json !== undefined) headers['Content-Type'] = 'application/json';

    return fetch(gateway.url + path, {
      method: callOptions.method ?? 'GET',
      headers,
      ...(callOptions.json === undefined ? {} : { body: JSON.stringify(callOptions.json) }),
    });
  };

  return {
    gateway,
    url: gateway.url,
    tableName,
    repository,
    logLines,
    logEntries: () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>),
    bootstrap: (tenantId, name = 'Test admin') => bootstrapAdminToken(repository, { tenantId, name }),
    call,
    async createToken(adminSecret, rights, name = 'Test token') {
      const response = await call('/tokens', { method: 'POST', secret: adminSecret, json: { name, rights } });
      if (response.status !== 201) throw new Error(`POST /tokens returned ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as { id: string; secret: string };
      return { id: body.id, secret: body.secret };
    },
    close: () => gateway.close(),
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request with exactly the given header lines, repeats included, which fetch
 * cannot do because it joins repeated headers into one.
 */
export function rawRequest(url: string, method: string, headerLines: [string, string][]): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // With raw header lines Node adds no Host header, which HTTP/1.1 requires.
    const lines = [['Host', new URL(url).host], ...headerLines];
    const request = http.request(url, { method, headers: lines.flat() }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

/** Returns a local port that nothing listens on: the system picks a free one and it is released at once. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('The probe server has no port');
  return address.port;
}
