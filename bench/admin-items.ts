import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { isDeepStrictEqual } from 'node:util';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AdminDependencies } from '../functions/shared/dependencies';
import { ADMIN_CLIENT_SETTINGS, createDocumentClient } from '../functions/shared/dynamodb';
import type { HttpHandler } from '../functions/http/handler';
import { encodeCursor } from '../functions/tokens/cursor';
import { generateTokenId } from '../functions/tokens/ids';
import { TokenRepository } from '../functions/tokens/repository';
import { ALL_RIGHTS } from '../functions/tokens/rights';
import { DEFAULT_PAGE_SIZE } from '../functions/tokens/schemas';
import { generateSecret, hashSecret, hintOf } from '../functions/tokens/secret';
import { lookupKey, metadataKey, tenantPartition } from '../functions/tokens/table';
import type { Token } from '../functions/tokens/token';
import { BENCH_TENANT, discardingLogger, LAMBDA_CONTEXT, proxyEvent, storeToken } from './fixtures';
import { formatDuration, type ItemResult } from './report';
import { compareInterleaved, type ComparisonPlan } from './sampling';

const TARGET_RATIO = 1.25;
const LISTED_TOKENS = DEFAULT_PAGE_SIZE + 5;

type DocumentClient = ReturnType<typeof createDocumentClient>;
type BareHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

interface HandlerCase {
  item: string;
  handler: HttpHandler;
  bare: BareHandler;
  /** A fresh event per call, as Lambda delivers; the handler keeps per-event state. */
  event: () => APIGatewayProxyEvent;
  /** Checks that both sides return the same response, so they do the same work. */
  sameResponse: (handlerResult: APIGatewayProxyResult, bareResult: APIGatewayProxyResult) => boolean;
  plan: Pick<ComparisonPlan, 'warmupSamples' | 'rounds' | 'samplesPerBatch'>;
}

/**
 * Item 4: admin handlers built by their factories, invoked in process, against a bare
 * handler that sends the same store request and builds the same response by hand.
 * The handler files are imported here, after the environment is set, because each
 * builds its production handler at import.
 */
export async function measureAdminHandlers(storeEndpoint: string, tableName: string): Promise<ItemResult[]> {
  const client = createDocumentClient(ADMIN_CLIENT_SETTINGS, storeEndpoint);
  const repository = new TokenRepository(client, tableName);
  const dependencies: AdminDependencies = { repository, logger: discardingLogger(), corsOrigins: [] };

  try {
    const admin = await storeToken(repository, [...ALL_RIGHTS], 'Benchmark admin');
    for (let i = 0; i < LISTED_TOKENS - 1; i++) await storeToken(repository, ['items:read'], `Listed token ${i}`);

    const { createGetTokenHandler } = await import('../functions/get-token');
    const { createListTokensHandler } = await import('../functions/list-tokens');
    const { createCreateTokenHandler } = await import('../functions/create-token');

    const cases: HandlerCase[] = [
      getTokenCase(createGetTokenHandler(dependencies), client, tableName, admin.token),
      listTokensCase(createListTokensHandler(dependencies), client, tableName, admin.token),
      createTokenCase(createCreateTokenHandler(dependencies), client, tableName, admin.token),
    ];

    const results: ItemResult[] = [];
    for (const handlerCase of cases) results.push(await measureCase(handlerCase));
    return results;
  } finally {
    client.destroy();
  }
}

async function measureCase(handlerCase: HandlerCase): Promise<ItemResult> {
  const handlerResult = await handlerCase.handler(handlerCase.event(), LAMBDA_CONTEXT);
  const bareResult = await handlerCase.bare(handlerCase.event());
  if (!handlerCase.sameResponse(handlerResult, bareResult)) {
    throw new Error(`${handlerCase.item}: the handler and the bare handler return different responses`);
  }

  const comparison = await compareInterleaved({
    ...handlerCase.plan,
    baseline: () => handlerCase.bare(handlerCase.event()),
    candidate: () => handlerCase.handler(handlerCase.event(), LAMBDA_CONTEXT),
  });
  return {
    item: handlerCase.item,
    baseline: formatDuration(comparison.baseline.median),
    candidate: formatDuration(comparison.candidate.median),
    ratio: comparison.ratio,
    tailRatio: comparison.candidate.p99 / comparison.candidate.median,
    target: `<= ${TARGET_RATIO}x`,
    pass: comparison.ratio <= TARGET_RATIO,
  };
}

function jsonResult(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/** Picks the public fields of a stored metadata item, as the API returns them. */
function tokenOf(item: Record<string, unknown>): Token {
  const token = {
    id: item.id,
    tenantId: item.tenantId,
    name: item.name,
    rights: item.rights,
    createdAt: item.createdAt,
    createdBy: item.createdBy,
    hint: item.hint,
  } as Token;
  if (item.description !== undefined) token.description = item.description as string;
  if (item.owner !== undefined) token.owner = item.owner as string;
  if (item.expiresAt !== undefined) token.expiresAt = item.expiresAt as string;
  return token;
}

function callerIdOf(event: APIGatewayProxyEvent): { tenantId: string; tokenId: string } {
  const authorizer = event.requestContext.authorizer as { tenantId: string; tokenId: string };
  return { tenantId: authorizer.tenantId, tokenId: authorizer.tokenId };
}

function sameStatusHeadersAndBody(a: APIGatewayProxyResult, b: APIGatewayProxyResult): boolean {
  return a.statusCode === b.statusCode && isDeepStrictEqual(a.headers, b.headers) && isDeepStrictEqual(JSON.parse(a.body), JSON.parse(b.body));
}

function getTokenCase(handler: HttpHandler, client: DocumentClient, tableName: string, caller: Token): HandlerCase {
  const template = proxyEvent({ method: 'GET', path: `/tokens/${caller.id}`, caller, pathParameters: { id: caller.id } });
  return {
    item: '4 get-token handler',
    handler,
    event: () => ({ ...template }),
    bare: async (event) => {
      const { tenantId } = callerIdOf(event);
      const id = event.pathParameters?.id ?? '';
      const result = await client.send(new GetCommand({ TableName: tableName, Key: metadataKey(tenantId, id), ConsistentRead: true }));
      if (!result.Item) return jsonResult(404, { detail: 'not found' });
      return jsonResult(200, tokenOf(result.Item));
    },
    sameResponse: sameStatusHeadersAndBody,
    plan: { warmupSamples: 300, rounds: 100, samplesPerBatch: 8 },
  };
}

function listTokensCase(handler: HttpHandler, client: DocumentClient, tableName: string, caller: Token): HandlerCase {
  const template = proxyEvent({ method: 'GET', path: '/tokens', caller });
  return {
    item: `4 list-tokens handler (page of ${DEFAULT_PAGE_SIZE})`,
    handler,
    event: () => ({ ...template }),
    bare: async (event) => {
      const { tenantId } = callerIdOf(event);
      const result = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :partition AND begins_with(#sk, :tokenPrefix)',
          ExpressionAttributeNames: { '#pk': 'PK', '#sk': 'SK' },
          ExpressionAttributeValues: { ':partition': tenantPartition(tenantId), ':tokenPrefix': 'TOKEN#' },
          ScanIndexForward: false,
          ConsistentRead: true,
          Limit: DEFAULT_PAGE_SIZE + 1,
        }),
      );
      const items = (result.Items ?? []).map(tokenOf);
      const page = items.slice(0, DEFAULT_PAGE_SIZE);
      const last = page[page.length - 1];
      const nextCursor = items.length > DEFAULT_PAGE_SIZE && last ? encodeCursor(tenantId, last.id) : null;
      return jsonResult(200, { items: page, nextCursor });
    },
    sameResponse: (a, b) => sameStatusHeadersAndBody(a, b) && (JSON.parse(a.body) as { items: unknown[] }).items.length === DEFAULT_PAGE_SIZE,
    plan: { warmupSamples: 150, rounds: 80, samplesPerBatch: 6 },
  };
}

function createTokenCase(handler: HttpHandler, client: DocumentClient, tableName: string, caller: Token): HandlerCase {
  const body = { name: 'Benchmark token', description: 'Created by the benchmark', rights: ['items:read', 'orders:read'] };
  const template = proxyEvent({ method: 'POST', path: '/tokens', caller, body });
  const mustBeNew = { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'PK' } };

  return {
    item: '4 create-token handler',
    handler,
    event: () => ({ ...template }),
    bare: async (event) => {
      const { tenantId, tokenId: callerId } = callerIdOf(event);
      const input = JSON.parse(event.body ?? '{}') as typeof body;
      const secret = generateSecret();
      const secretHash = hashSecret(secret);
      const token: Token = {
        id: generateTokenId(),
        tenantId,
        name: input.name,
        description: input.description,
        rights: input.rights as Token['rights'],
        createdAt: new Date().toISOString(),
        createdBy: callerId,
        hint: hintOf(secret),
      };
      const lookupItem = { ...lookupKey(secretHash), tenantId, tokenId: token.id, rights: token.rights, secretHash };
      const metadataItem = { ...metadataKey(tenantId, token.id), ...token, secretHash };
      await client.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: tableName, Item: lookupItem, ...mustBeNew } },
            { Put: { TableName: tableName, Item: metadataItem, ...mustBeNew } },
          ],
        }),
      );
      return jsonResult(201, { ...token, secret }, { Location: `/tokens/${token.id}`, 'Cache-Control': 'no-store' });
    },
    // Ids and secrets are random, so only the shape can match.
    sameResponse: (a, b) =>
      a.statusCode === 201 &&
      b.statusCode === 201 &&
      isDeepStrictEqual(Object.keys(a.headers ?? {}).sort(), Object.keys(b.headers ?? {}).sort()) &&
      isDeepStrictEqual(Object.keys(JSON.parse(a.body) as object).sort(), Object.keys(JSON.parse(b.body) as object).sort()),
    plan: { warmupSamples: 60, rounds: 60, samplesPerBatch: 4 },
  };
}
