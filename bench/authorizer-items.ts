import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createAuthorizer, UNAUTHORIZED_MESSAGE } from '../functions/authorizer';
import { AUTHORIZER_CLIENT_SETTINGS, createDocumentClient } from '../functions/shared/dynamodb';
import { TokenRepository, grantLookupInput } from '../functions/tokens/repository';
import { generateSecret } from '../functions/tokens/secret';
import { countRequests } from '../test/support/request-counter';
import { authorizerEvent, discardingLogger, storeToken } from './fixtures';
import { formatDuration, type ItemResult } from './report';
import { compareInterleaved } from './sampling';

const MISS_TARGET_RATIO = 1.1;
const MISS_TARGET_TAIL = 2;
const REJECT_TARGET_RATIO = 0.5;

/** Calls per sample on the rejection path: one call lasts well under a microsecond. */
const REJECTIONS_PER_SAMPLE = 200;

/**
 * Items 1 and 2: the authorizer on a cache miss against one consistent GetItem, and
 * malformed or forged tokens against one SHA-256.
 */
export async function measureAuthorizer(storeEndpoint: string, tableName: string): Promise<ItemResult[]> {
  const client = createDocumentClient(AUTHORIZER_CLIENT_SETTINGS, storeEndpoint);
  const repository = new TokenRepository(client, tableName);
  const authorize = createAuthorizer({ repository, logger: discardingLogger() });
  const counter = countRequests(client);

  try {
    const { secret } = await storeToken(repository, ['tokens:read', 'items:read', 'orders:read', 'orders:write']);
    return [await measureCacheMiss(client, tableName, authorize, secret), await measureRejections(authorize, counter, secret)];
  } finally {
    client.destroy();
  }
}

type Authorize = ReturnType<typeof createAuthorizer>;
type DocumentClient = ReturnType<typeof createDocumentClient>;

async function measureCacheMiss(client: DocumentClient, tableName: string, authorize: Authorize, secret: string): Promise<ItemResult> {
  const event = authorizerEvent({ Authorization: `Bearer ${secret}` });
  // The same request the repository sends, so the two sides differ only by the handler's own work.
  const lookupInput = grantLookupInput(tableName, createHash('sha256').update(secret).digest('hex'));
  // A new command per call, as the repository and any real caller create one.
  const lookup = () => client.send(new GetCommand(lookupInput));

  const probe = await authorize(event);
  const found = await lookup();
  if (probe.policyDocument.Statement.length === 0 || !found.Item) {
    throw new Error('Authorizer benchmark setup failed: the stored token was not found');
  }

  const comparison = await compareInterleaved({
    warmupSamples: 300,
    rounds: 100,
    samplesPerBatch: 15,
    baseline: lookup,
    candidate: () => authorize(event),
  });
  const tailRatio = comparison.candidate.p99 / comparison.candidate.median;
  return {
    item: '1 authorizer, cache miss',
    baseline: formatDuration(comparison.baseline.median),
    candidate: formatDuration(comparison.candidate.median),
    ratio: comparison.ratio,
    tailRatio,
    target: `<= ${MISS_TARGET_RATIO}x, p99/p50 <= ${MISS_TARGET_TAIL}`,
    pass: comparison.ratio <= MISS_TARGET_RATIO && tailRatio <= MISS_TARGET_TAIL,
    note: `bare GetItem p99/p50 ${(comparison.baseline.p99 / comparison.baseline.median).toFixed(2)}`,
  };
}

/** Tokens the authorizer must reject before any store call, one per way a token can be wrong. */
function rejectedEvents(secret: string): APIGatewayRequestAuthorizerEvent[] {
  const other = generateSecret();
  const flip = (text: string, index: number): string =>
    text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

  return [
    authorizerEvent({}),
    authorizerEvent({ Authorization: `Basic ${Buffer.from('user:password').toString('base64')}` }),
    authorizerEvent({ Authorization: 'Bearer' }),
    authorizerEvent({ Authorization: `Bearer ${secret.slice(0, -1)}` }),
    authorizerEvent({ Authorization: `Bearer ${secret.slice(0, 20)}-${secret.slice(21)}` }),
    authorizerEvent({ Authorization: `Bearer ghp_${secret.slice(4)}` }),
    authorizerEvent({ Authorization: [`Bearer ${secret}`, `Bearer ${other}`] }),
    // Forged: the right shape, but the checksum does not match the entropy.
    authorizerEvent({ Authorization: `Bearer ${flip(secret, secret.length - 1)}` }),
    authorizerEvent({ Authorization: `Bearer ${flip(other, 10)}` }),
  ];
}

async function measureRejections(authorize: Authorize, counter: ReturnType<typeof countRequests>, secret: string): Promise<ItemResult> {
  const events = rejectedEvents(secret);
  let accepted = 0;
  let otherErrors = 0;
  const onAccepted = (): void => {
    accepted++;
  };
  const onRejected = (error: unknown): void => {
    if (!(error instanceof Error) || error.message !== UNAUTHORIZED_MESSAGE) otherErrors++;
  };

  // The Lambda Node.js runtime interface client consumes a handler's promise with
  // `result.then(succeed, fail)` (Runtime.handleOnceNonStreaming). This does the same,
  // then waits until every reaction of the sample has run.
  let next = 0;
  const candidate = async (): Promise<void> => {
    let last: Promise<void> | undefined;
    for (let i = 0; i < REJECTIONS_PER_SAMPLE; i++) {
      const event = events[next] as APIGatewayRequestAuthorizerEvent;
      next = (next + 1) % events.length;
      last = authorize(event).then(onAccepted, onRejected);
    }
    await last;
  };
  const baseline = async (): Promise<void> => {
    for (let i = 0; i < REJECTIONS_PER_SAMPLE; i++) createHash('sha256').update(secret).digest('hex');
  };

  counter.reset();
  const comparison = await compareInterleaved({
    warmupSamples: 200,
    rounds: 100,
    samplesPerBatch: 10,
    operationsPerSample: REJECTIONS_PER_SAMPLE,
    baseline,
    candidate,
  });
  const storeCalls = counter.count();

  const problems: string[] = [];
  if (storeCalls > 0) problems.push(`${storeCalls} store calls`);
  if (accepted > 0) problems.push(`${accepted} accepted`);
  if (otherErrors > 0) problems.push(`${otherErrors} errors other than ${UNAUTHORIZED_MESSAGE}`);
  return {
    item: `2 rejected tokens (${events.length} shapes)`,
    baseline: formatDuration(comparison.baseline.median),
    candidate: formatDuration(comparison.candidate.median),
    ratio: comparison.ratio,
    tailRatio: comparison.candidate.p99 / comparison.candidate.median,
    target: `<= ${REJECT_TARGET_RATIO}x, 0 store calls`,
    pass: comparison.ratio <= REJECT_TARGET_RATIO && problems.length === 0,
    note: problems.length > 0 ? problems.join(', ') : `${storeCalls} store calls`,
  };
}
