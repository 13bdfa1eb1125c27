/**
 * Bad input over real HTTP: malformed and hostile requests on every token route and on the
 * authorizer, sent byte for byte to the local gateway, which runs the real authorizer and
 * handlers on the real local store. Each case checks the exact status, a problem body that
 * names the field or header at fault, and that the table did not change. A second table
 * pins the inputs the API accepts by design, and docs/reliability.md lists those choices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE, problemTypeUri, type ProblemStatus } from '../../functions/http/problems';
import { generateTokenId } from '../../functions/tokens/ids';
import { generateSecret, hashSecret } from '../../functions/tokens/secret';
import { sendExact, type ExactResponse } from '../support/http-client';
import { startTestService, type TestService } from '../support/service';
import { startTestStore, type TestStore } from '../support/store';
import { snapshotTable } from '../support/table-snapshot';
import { seedToken } from '../support/tokens';

interface Fixtures {
  adminSecret: string;
  /** A token of the caller's tenant. */
  existingId: string;
  /** A token of another tenant. */
  otherTenantId: string;
  ownCursor: string;
  otherTenantCursor: string;
  expiredSecret: string;
  deletedSecret: string;
}

type Lazy<T> = T | ((fixtures: Fixtures) => T);

interface BadCase {
  name: string;
  method: string;
  target: Lazy<string>;
  /** Authorization header lines; the admin token unless given. */
  authorization?: Lazy<[string, string][]>;
  /** Content-Type; application/json when a body is sent, none when null. */
  contentType?: string | null;
  /** Sent as JSON. */
  body?: Lazy<unknown>;
  /** Sent as is. */
  rawBody?: Lazy<string | Buffer>;
  status: ProblemStatus;
  /** An `errors[].path`, or text the `detail` must contain. */
  names: Lazy<string>;
}

let store: TestStore;
let service: TestService;
let fixtures: Fixtures;
const statuses: number[] = [];

function resolve<T>(value: Lazy<T>): T {
  return typeof value === 'function' ? (value as (f: Fixtures) => T)(fixtures) : value;
}

beforeAll(async () => {
  store = await startTestStore();
  service = await startTestService(store);

  const admin = await service.bootstrap('acme');
  const existing = await seedToken(service.repository, { name: 'Existing' });
  await seedToken(service.repository, { name: 'Second' });
  const otherAdmin = await service.bootstrap('globex');
  const other = await seedToken(service.repository, { tenantId: 'globex', name: 'Other tenant' });
  const expired = await seedToken(service.repository, { expiresAt: '2020-01-01T00:00:00.000Z' });
  const deleted = await seedToken(service.repository);
  await service.repository.deleteToken('acme', deleted.token.id);

  const ownPage = await service.call('/tokens?limit=1', { secret: admin.secret });
  const otherPage = await service.call('/tokens?limit=1', { secret: otherAdmin.secret });
  fixtures = {
    adminSecret: admin.secret,
    existingId: existing.token.id,
    otherTenantId: other.token.id,
    ownCursor: ((await ownPage.json()) as { nextCursor: string }).nextCursor,
    otherTenantCursor: ((await otherPage.json()) as { nextCursor: string }).nextCursor,
    expiredSecret: expired.secret,
    deletedSecret: deleted.secret,
  };
});

afterAll(async () => {
  await service?.close();
  await store?.close();
});

async function send(
  method: string,
  target: string,
  options: { authorization?: [string, string][]; contentType?: string | null; body?: string | Buffer } = {},
): Promise<ExactResponse> {
  const headers: [string, string][] = [...(options.authorization ?? [['Authorization', `Bearer ${fixtures.adminSecret}`]])];
  let contentType = options.contentType;
  if (contentType === undefined) contentType = options.body === undefined ? null : 'application/json';
  if (contentType !== null) headers.push(['Content-Type', contentType]);
  return sendExact(service.url, { method, target, headers, ...(options.body === undefined ? {} : { body: options.body }) });
}

function sendCase(testCase: BadCase): Promise<ExactResponse> {
  let body: string | Buffer | undefined;
  if (testCase.rawBody !== undefined) body = resolve(testCase.rawBody);
  else if (testCase.body !== undefined) body = JSON.stringify(resolve(testCase.body));

  return send(testCase.method, resolve(testCase.target), {
    ...(testCase.authorization === undefined ? {} : { authorization: resolve(testCase.authorization) }),
    ...(testCase.contentType === undefined ? {} : { contentType: testCase.contentType }),
    ...(body === undefined ? {} : { body }),
  });
}

// ---------------------------------------------------------------------------------------
// Case builders
// ---------------------------------------------------------------------------------------

const VALID_BODY = { name: 'Valid name', rights: ['items:read'] };
const YEAR_MS = 365.25 * 86_400_000;

function create(name: string, body: Lazy<unknown>, names: string, status: ProblemStatus = 400): BadCase {
  return { name, method: 'POST', target: '/tokens', body, status, names };
}

function createRaw(name: string, rawBody: Lazy<string | Buffer>, names: string, status: ProblemStatus = 400): BadCase {
  return { name, method: 'POST', target: '/tokens', rawBody, status, names };
}

function createWith(name: string, fields: Record<string, unknown>, names: string): BadCase {
  return create(name, { ...VALID_BODY, ...fields }, names);
}

function createExpiring(name: string, expiresAt: Lazy<unknown>, names = 'body.expiresAt'): BadCase {
  return create(name, () => ({ ...VALID_BODY, expiresAt: resolve(expiresAt) }), names);
}

function contentType(name: string, type: string | null, names: string, target = '/tokens'): BadCase {
  return { name, method: 'POST', target, body: VALID_BODY, contentType: type, status: 415, names };
}

function list(name: string, query: Lazy<string>, names: string): BadCase {
  return { name, method: 'GET', target: () => `/tokens?${resolve(query)}`, status: 400, names };
}

function tokenPath(name: string, method: 'GET' | 'DELETE', rawId: string, status: ProblemStatus, names: string): BadCase {
  return { name, method, target: `/tokens/${rawId}`, status, names };
}

function bulk(name: string, body: Lazy<unknown>, names: string, status: ProblemStatus = 400): BadCase {
  return { name, method: 'POST', target: '/tokens/delete', body, status, names };
}

function unauthorized(name: string, authorization: Lazy<[string, string][]>, target = '/whoami', method = 'GET'): BadCase {
  return { name, method, target, authorization, status: 401, names: 'Authorization' };
}

function bearer(value: Lazy<string>): Lazy<[string, string][]> {
  return () => [['Authorization', resolve(value)]];
}

const VALID_ID_TAIL = generateTokenId().slice(4);
const TWO_KIB_OF_A = 'a'.repeat(2048);

// ---------------------------------------------------------------------------------------
// The malformed and hostile requests
// ---------------------------------------------------------------------------------------

const BAD_CASES: BadCase[] = [
  // JSON syntax and top-level shape
  createRaw('unterminated JSON', '{"name": ', 'body'),
  createRaw('trailing comma', '{"name":"a","rights":["items:read"],}', 'body'),
  createRaw('single-quoted JSON', "{'name':'a','rights':['items:read']}", 'body'),
  createRaw('NaN literal', '{"name":NaN,"rights":["items:read"]}', 'body'),
  createRaw('two JSON documents', '{"name":"a"}{"name":"b"}', 'body'),
  createRaw('invalid UTF-8 bytes', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 'body'),
  createRaw('empty body', '', 'body'),
  createRaw('whitespace-only body', '  \n\t ', 'body'),
  createRaw('null body', 'null', 'body'),
  createRaw('array body', '[]', 'body'),
  createRaw('array of objects', JSON.stringify([VALID_BODY]), 'body'),
  createRaw('string body', '"token"', 'body'),
  createRaw('number body', '42', 'body'),
  createRaw('boolean body', 'true', 'body'),
  createRaw('deeply nested arrays', '['.repeat(5000) + ']'.repeat(5000), 'body'),

  // Types and fields
  create('empty object', {}, 'body.name'),
  createWith('missing rights', { rights: undefined }, 'body.rights'),
  create('missing name', { rights: ['items:read'] }, 'body.name'),
  createWith('name as number', { name: 42 }, 'body.name'),
  createWith('name as null', { name: null }, 'body.name'),
  createWith('name as array', { name: ['a'] }, 'body.name'),
  createWith('name as object', { name: { first: 'a' } }, 'body.name'),
  createWith('rights as string', { rights: 'items:read' }, 'body.rights'),
  createWith('rights as object', { rights: { 0: 'items:read' } }, 'body.rights'),
  createWith('rights as null', { rights: null }, 'body.rights'),
  createWith('rights as number', { rights: 1 }, 'body.rights'),
  createWith('rights entry as number', { rights: [42] }, 'body.rights[0]'),
  createWith('rights entry as null', { rights: [null] }, 'body.rights[0]'),
  createWith('rights entry as array', { rights: [['items:read']] }, 'body.rights[0]'),
  createWith('description as number', { description: 7 }, 'body.description'),
  createWith('description as null', { description: null }, 'body.description'),
  createWith('owner as boolean', { owner: true }, 'body.owner'),
  createWith('expiresAt as number', { expiresAt: 1_893_456_000 }, 'body.expiresAt'),
  createWith('unknown field', { admin: true }, 'body.admin'),
  createWith('secret field', { secret: generateSecret() }, 'body.secret'),
  createWith('client-chosen id', { id: 'tok_' + VALID_ID_TAIL }, 'body.id'),
  createWith('tenantId field', { tenantId: 'globex' }, 'body.tenantId'),
  createWith('createdBy field', { createdBy: 'bootstrap' }, 'body.createdBy'),
  createRaw('__proto__ key', '{"name":"a","rights":["items:read"],"__proto__":{"rights":["tokens:delete"]}}', 'body.__proto__'),
  createRaw('constructor key', '{"name":"a","rights":["items:read"],"constructor":{"prototype":{"admin":true}}}', 'body.constructor'),
  createRaw('nested __proto__ key', '{"name":{"__proto__":"x"},"rights":["items:read"]}', 'body.name'),

  // Size
  create('one megabyte body', { ...VALID_BODY, description: 'x'.repeat(1024 * 1024) }, 'body', 413),
  create('10,000-element rights array', { ...VALID_BODY, rights: Array.from({ length: 10_000 }, () => 'items:read') }, 'body', 413),
  createWith('65 rights entries', { rights: Array.from({ length: 65 }, () => 'items:read') }, 'body.rights'),

  // Content types
  contentType('text/plain content type', 'text/plain', 'Content-Type'),
  contentType('missing content type', null, 'Content-Type'),
  contentType('empty content type', '', 'Content-Type'),
  contentType('form content type', 'application/x-www-form-urlencoded', 'Content-Type'),
  contentType('multipart content type', 'multipart/form-data; boundary=x', 'Content-Type'),
  contentType('JSON patch content type', 'application/json-patch+json', 'Content-Type'),
  contentType('XML content type', 'application/xml', 'Content-Type'),
  contentType('jsonx content type', 'application/jsonx', 'Content-Type'),
  contentType('latin-1 charset', 'application/json; charset=iso-8859-1', 'charset'),
  contentType('UTF-16 charset', 'application/json; charset=utf-16', 'charset'),
  contentType('bulk text content type', 'text/plain', 'Content-Type', '/tokens/delete'),

  // Text rules: control, format and surrogate characters, length, whitespace
  createWith('name with BEL', { name: 'a\u0007b' }, 'body.name'),
  createWith('name with NUL', { name: 'a\u0000b' }, 'body.name'),
  createWith('name with newline', { name: 'a\nb' }, 'body.name'),
  createWith('name with tab', { name: 'a\tb' }, 'body.name'),
  createWith('name with ANSI escape', { name: '\u001b[31mred' }, 'body.name'),
  createWith('name with DEL', { name: 'a\u007fb' }, 'body.name'),
  createWith('name with C1 NEL', { name: 'a\u0085b' }, 'body.name'),
  createWith('name with RLO override', { name: 'abc\u202Egpj.exe' }, 'body.name'),
  createWith('name with LRI isolate', { name: 'a\u2066b\u2069' }, 'body.name'),
  createWith('name with Arabic letter mark', { name: 'a\u061Cb' }, 'body.name'),
  createWith('name with zero-width space', { name: 'ad\u200Bmin' }, 'body.name'),
  createWith('name with zero-width non-joiner', { name: 'ad\u200Cmin' }, 'body.name'),
  createWith('name with ZWJ emoji sequence', { name: 'Dev \u{1F469}\u200D\u{1F4BB}' }, 'body.name'),
  createWith('name with word joiner', { name: 'ad\u2060min' }, 'body.name'),
  createWith('name with soft hyphen', { name: 'ad\u00ADmin' }, 'body.name'),
  createWith('name with inner BOM', { name: 'ad\uFEFFmin' }, 'body.name'),
  createWith('name with tag characters', { name: '\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}' }, 'body.name'),
  createRaw('name with lone surrogate', '{"name":"a\\ud800b","rights":["items:read"]}', 'body.name'),
  createWith('empty name', { name: '' }, 'body.name'),
  createWith('whitespace-only name', { name: '    ' }, 'body.name'),
  createWith('tabs and newlines name', { name: '\t\n\r\n' }, 'body.name'),
  createWith('Unicode-space-only name', { name: '\u00A0\u2003\u3000' }, 'body.name'),
  createWith('name of 101 characters', { name: 'x'.repeat(101) }, 'body.name'),
  createWith('name of 101 emoji', { name: '\u{1F69A}'.repeat(101) }, 'body.name'),
  createWith('description of 1001 characters', { description: 'd'.repeat(1001) }, 'body.description'),
  createWith('line separator in name', { name: 'a\u2028b' }, 'body.name'),
  createWith('paragraph separator in owner', { owner: 'a\u2029b' }, 'body.owner'),
  createWith('Hangul filler name', { name: '\u3164' }, 'body.name'),
  createWith('Hangul filler inside name', { name: 'ad\u3164min' }, 'body.name'),
  createWith('description with RLO override', { description: 'abc\u202Edef' }, 'body.description'),
  createWith('description with NUL', { description: 'a\u0000b' }, 'body.description'),
  createWith('owner of 201 characters', { owner: 'o'.repeat(201) }, 'body.owner'),
  createWith('owner with zero-width space', { owner: 'ops\u200B@example.com' }, 'body.owner'),
  createWith('owner with newline', { owner: 'ops@example.com\nBcc: x' }, 'body.owner'),

  // Rights
  createWith('unknown right', { rights: ['items:delete'] }, 'body.rights[0]'),
  createWith('wildcard action right', { rights: ['items:*'] }, 'body.rights[0]'),
  createWith('bare wildcard right', { rights: ['*'] }, 'body.rights[0]'),
  createWith('double wildcard right', { rights: ['*:*'] }, 'body.rights[0]'),
  createWith('upper-case right', { rights: ['ITEMS:READ'] }, 'body.rights[0]'),
  createWith('title-case right', { rights: ['Items:Read'] }, 'body.rights[0]'),
  createWith('right with trailing space', { rights: ['items:read '] }, 'body.rights[0]'),
  createWith('right with leading space', { rights: [' items:read'] }, 'body.rights[0]'),
  createWith('right with NUL suffix', { rights: ['items:read\u0000'] }, 'body.rights[0]'),
  createWith('area-only right', { rights: ['items'] }, 'body.rights[0]'),
  createWith('empty-string right', { rights: [''] }, 'body.rights[0]'),
  createWith('valid then unknown right', { rights: ['items:read', 'tokens:admin'] }, 'body.rights[1]'),

  // Expiry
  createExpiring('expiry in the past', '2020-01-01T00:00:00Z'),
  createExpiring('expiry of now', () => new Date().toISOString()),
  createExpiring('expiry beyond five years', () => new Date(Date.now() + 5 * YEAR_MS + 2 * 86_400_000).toISOString()),
  createExpiring('expiry in 2099', '2099-01-01T00:00:00Z'),
  createExpiring('expiry as words', 'tomorrow'),
  createExpiring('expiry without time zone', '2030-01-01T00:00:00'),
  createExpiring('expiry as date only', '2030-01-01'),
  createExpiring('expiry with space separator', '2030-01-01 00:00:00Z'),
  createExpiring('expiry of February 30', '2030-02-30T00:00:00Z'),
  createExpiring('expiry at hour 24', '2030-01-01T24:00:00Z'),
  createExpiring('expiry in RFC 2822 form', 'Tue, 01 Jan 2030 00:00:00 GMT'),
  createExpiring('expiry as epoch string', '1893456000'),
  createExpiring('expiry with colonless offset', '2030-01-01T00:00:00+0100'),

  // List query
  list('limit 0', 'limit=0', 'query.limit'),
  list('limit 101', 'limit=101', 'query.limit'),
  list('limit -1', 'limit=-1', 'query.limit'),
  list('limit 1.5', 'limit=1.5', 'query.limit'),
  list('limit abc', 'limit=abc', 'query.limit'),
  list('empty limit', 'limit=', 'query.limit'),
  list('limit in exponent form', 'limit=1e2', 'query.limit'),
  list('limit given twice', 'limit=1&limit=2', 'query.limit'),
  list('unknown query parameter', 'sort=asc', 'query.sort'),
  list('garbage cursor', 'cursor=!!!!', 'query.cursor'),
  list('base64 garbage cursor', 'cursor=bm9wZS5ub3BlLm5vcGU', 'query.cursor'),
  list('truncated cursor', (f) => `cursor=${f.ownCursor.slice(0, -3)}`, 'query.cursor'),
  list('tampered cursor', (f) => `cursor=${tamper(f.ownCursor)}`, 'query.cursor'),
  list('cursor of another tenant', (f) => `cursor=${f.otherTenantCursor}`, 'query.cursor'),
  list('empty cursor', 'cursor=', 'query.cursor'),
  list('over-long cursor', `cursor=${TWO_KIB_OF_A}`, 'query.cursor'),
  list('padded cursor', (f) => `cursor=${f.ownCursor}%3D%3D`, 'query.cursor'),
  list('cursor given twice', (f) => `cursor=${f.ownCursor}&cursor=${f.ownCursor}`, 'query.cursor'),

  // Token ids in the path
  tokenPath('short id', 'GET', 'abc', 400, 'path.id'),
  tokenPath('prefix-only id', 'GET', 'tok_', 400, 'path.id'),
  tokenPath('lower-case id', 'GET', `tok_${VALID_ID_TAIL.toLowerCase()}`, 400, 'path.id'),
  tokenPath('id one character long', 'GET', `tok_${VALID_ID_TAIL}0`, 400, 'path.id'),
  tokenPath('over-long id', 'GET', TWO_KIB_OF_A, 400, 'path.id'),
  tokenPath('id with excluded letter U', 'GET', `tok_${VALID_ID_TAIL.slice(0, -1)}U`, 400, 'path.id'),
  tokenPath('id with encoded slashes', 'GET', 'tok_..%2F..%2Fwhoami', 400, 'path.id'),
  tokenPath('encoded slash only', 'GET', '%2F', 400, 'path.id'),
  tokenPath('id with encoded NUL', 'GET', `tok_${VALID_ID_TAIL}%00`, 400, 'path.id'),
  tokenPath('dot-dot segment', 'GET', '..', 400, 'path.id'),
  tokenPath('id with encoded space', 'GET', `%20tok_${VALID_ID_TAIL}`, 400, 'path.id'),
  tokenPath('broken percent-encoding', 'GET', 'tok_%E0%A4%A', 400, 'parameters'),
  tokenPath('delete short id', 'DELETE', 'abc', 400, 'path.id'),
  tokenPath('delete id with encoded slashes', 'DELETE', 'tok_..%2F..%2Fx', 400, 'path.id'),
  tokenPath('delete over-long id', 'DELETE', TWO_KIB_OF_A, 400, 'path.id'),
  tokenPath('empty id segment', 'GET', '', 404, 'path'),
  tokenPath('id with raw slash', 'GET', 'tok_a/b', 404, 'path'),
  { name: 'unknown id', method: 'GET', target: `/tokens/tok_${VALID_ID_TAIL}`, status: 404, names: `tok_${VALID_ID_TAIL}` },
  { name: 'delete unknown id', method: 'DELETE', target: `/tokens/tok_${VALID_ID_TAIL}`, status: 404, names: `tok_${VALID_ID_TAIL}` },
  { name: 'method not on route', method: 'POST', target: '/whoami', body: VALID_BODY, status: 404, names: 'method and path' },
  { name: 'delete on collection', method: 'DELETE', target: '/tokens', status: 404, names: 'method and path' },

  // Bulk delete
  bulk('no ids', { ids: [] }, 'body.ids'),
  bulk('101 ids', () => ({ ids: Array.from({ length: 101 }, () => generateTokenId()) }), 'body.ids'),
  bulk('10,000 ids', () => ({ ids: Array.from({ length: 10_000 }, () => generateTokenId()) }), 'body', 413),
  bulk('ids missing', {}, 'body.ids'),
  bulk('ids as string', { ids: 'tok_1' }, 'body.ids'),
  bulk('ids as null', { ids: null }, 'body.ids'),
  bulk('ids as object', { ids: { 0: `tok_${VALID_ID_TAIL}` } }, 'body.ids'),
  bulk('id as number', { ids: [42] }, 'body.ids[0]'),
  bulk('malformed id', { ids: ['abc'] }, 'body.ids[0]'),
  bulk('second id with path characters', { ids: [`tok_${VALID_ID_TAIL}`, 'tok_../../x'] }, 'body.ids[1]'),
  bulk('id with encoded slash', { ids: ['tok_..%2Fx'] }, 'body.ids[0]'),
  bulk('extra field', { ids: [`tok_${VALID_ID_TAIL}`], force: true }, 'body.force'),
  { name: 'bulk null body', method: 'POST', target: '/tokens/delete', rawBody: 'null', status: 400, names: 'body' },
  { name: 'bulk array body', method: 'POST', target: '/tokens/delete', rawBody: '["tok_x"]', status: 400, names: 'body' },
  { name: 'bulk __proto__ key', method: 'POST', target: '/tokens/delete', rawBody: '{"ids":["abc"],"__proto__":{}}', status: 400, names: 'body.__proto__' },

  // Authorization header and the authorizer
  unauthorized('no Authorization header', []),
  unauthorized('empty Authorization header', [['Authorization', '']]),
  unauthorized('scheme without token', [['Authorization', 'Bearer']]),
  unauthorized('scheme and spaces only', [['Authorization', 'Bearer    ']]),
  unauthorized('bare token', bearer((f) => f.adminSecret)),
  unauthorized('Basic scheme', [['Authorization', 'Basic x']]),
  unauthorized('Basic credentials', [['Authorization', `Basic ${Buffer.from('admin:admin').toString('base64')}`]]),
  unauthorized('Token scheme', bearer((f) => `Token ${f.adminSecret}`)),
  unauthorized('underscore after scheme', bearer((f) => `Bearer_${f.adminSecret}`)),
  unauthorized('no space after scheme', bearer((f) => `Bearer${f.adminSecret}`)),
  unauthorized('tab after scheme', bearer((f) => `Bearer\t${f.adminSecret}`)),
  unauthorized('two tokens', bearer((f) => `Bearer ${f.adminSecret} ${f.adminSecret}`)),
  unauthorized('token with padding', bearer((f) => `Bearer ${f.adminSecret}=`)),
  unauthorized('upper-case secret prefix', bearer((f) => `Bearer RMT_${f.adminSecret.slice(4)}`)),
  unauthorized('wrong checksum', bearer((f) => `Bearer ${f.adminSecret.slice(0, -1)}${f.adminSecret.endsWith('a') ? 'b' : 'a'}`)),
  unauthorized('well-formed unknown token', bearer(() => `Bearer ${generateSecret()}`)),
  unauthorized('token hash as token', bearer((f) => `Bearer ${hashSecret(f.adminSecret)}`)),
  unauthorized('expired token', bearer((f) => `Bearer ${f.expiredSecret}`)),
  unauthorized('deleted token', bearer((f) => `Bearer ${f.deletedSecret}`)),
  unauthorized('10 KB header', [['Authorization', `Bearer ${'A'.repeat(10 * 1024)}`]]),
  unauthorized('two Authorization headers', (f) => [
    ['Authorization', `Bearer ${f.adminSecret}`],
    ['Authorization', `Bearer ${f.adminSecret}`],
  ]),
  unauthorized('valid and invalid headers', (f) => [
    ['Authorization', `Bearer ${f.adminSecret}`],
    ['authorization', 'Bearer rmt_invalid'],
  ]),
  unauthorized('bad token on create', bearer(() => `Bearer ${generateSecret()}`), '/tokens', 'POST'),
  unauthorized('bad token on resource route', bearer(() => 'Bearer rmt_x'), '/items/42'),
];

/** Changes one character in the middle of a cursor, keeping it within the base64url alphabet. */
function tamper(cursor: string): string {
  const index = Math.floor(cursor.length / 2);
  const replacement = cursor[index] === 'A' ? 'B' : 'A';
  return cursor.slice(0, index) + replacement + cursor.slice(index + 1);
}

describe('bad input over HTTP', () => {
  it('cases have distinct names', () => {
    expect(new Set(BAD_CASES.map((testCase) => testCase.name)).size).toBe(BAD_CASES.length);
    expect(BAD_CASES.length).toBeGreaterThanOrEqual(100);
  });

  it.for(BAD_CASES.map((testCase) => [testCase.name, testCase] as const))('rejects %s', async ([, testCase]) => {
    const before = await snapshotTable(store.documentClient, service.tableName);

    const response = await sendCase(testCase);
    statuses.push(response.status);

    expect(response.status).toBe(testCase.status);
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json?.status).toBe(testCase.status);
    expect(response.json?.type).toBe(problemTypeUri(testCase.status));
    expect(response.json?.requestId).toBe(response.headers['x-amzn-requestid']);
    const expected = resolve(testCase.names);
    const paths: string[] = (response.json?.errors ?? []).map((error: { path: string }) => error.path);
    const detail = String(response.json?.detail);
    expect(paths.includes(expected) || detail.includes(expected), `${expected} in ${JSON.stringify({ paths, detail })}`).toBe(true);
    expect(await snapshotTable(store.documentClient, service.tableName)).toEqual(before);
  });

  it('no case answered 5xx', () => {
    expect(statuses).toHaveLength(BAD_CASES.length);
    expect(statuses.filter((status) => status >= 500)).toEqual([]);
  });
});

describe('update routes with bad input', () => {
  it.for([
    ['PUT', 'abc', '{"name":'],
    ['PATCH', 'tok_..%2F..%2Fx', '{"rights":["tokens:delete"]}'],
    ['PUT', 'tok_' + VALID_ID_TAIL, 'null'],
  ] as const)('%s answers 405 for %s', async ([method, rawId, body]) => {
    const before = await snapshotTable(store.documentClient, service.tableName);

    const response = await send(method, `/tokens/${rawId}`, { body });

    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET, DELETE');
    expect(response.headers['content-type']).toBe(PROBLEM_CONTENT_TYPE);
    expect(response.json?.detail).toContain('cannot be changed');
    expect(await snapshotTable(store.documentClient, service.tableName)).toEqual(before);
  });
});

describe('inputs accepted by design', () => {
  async function createThrough(fields: Record<string, unknown>, type = 'application/json'): Promise<ExactResponse> {
    return send('POST', '/tokens', { contentType: type, body: JSON.stringify({ ...VALID_BODY, ...fields }) });
  }

  it.for([
    'application/json; charset=utf-8',
    'application/json; charset="UTF-8"',
    'Application/JSON',
    'application/json;charset=utf-8',
  ])('accepts content type %s', async (type) => {
    const response = await createThrough({}, type);
    expect(response.status).toBe(201);
  });

  it.for([
    ['emoji', 'Sync \u{1F69A}'],
    ['flag emoji', 'NL \u{1F1F3}\u{1F1F1}'],
    ['skin tone emoji', 'OK \u{1F44D}\u{1F3FD}'],
    ['keycap emoji', 'Step 1\uFE0F\u20E3'],
    ['variation selector', 'Love \u2764\uFE0F'],
    ['100 emoji', '\u{1F69A}'.repeat(100)],
    ['accented letters', 'Überweisung café'],
  ] as const)('accepts name with %s', async ([, name]) => {
    const response = await createThrough({ name });
    expect(response.status).toBe(201);
    expect(response.json.name).toBe(name);
  });

  it('trims whitespace and outer BOM', async () => {
    const response = await createThrough({ name: '\uFEFF  Sync job \u00A0' });
    expect(response.status).toBe(201);
    expect(response.json.name).toBe('Sync job');
  });

  it('stores CRLF descriptions with LF', async () => {
    const response = await createThrough({ description: 'line one\r\nline two\rline three' });
    expect(response.status).toBe(201);
    expect(response.json.description).toBe('line one\nline two\nline three');
  });

  it('deduplicates and orders rights', async () => {
    const response = await createThrough({ rights: ['orders:read', 'items:read', 'orders:read', 'items:read'] });
    expect(response.status).toBe(201);
    expect(response.json.rights).toEqual(['items:read', 'orders:read']);
  });

  it('normalizes expiry offset to UTC', async () => {
    const year = new Date().getUTCFullYear() + 2;
    const response = await createThrough({ expiresAt: `${year}-06-30T12:00:00+02:00` });
    expect(response.status).toBe(201);
    expect(response.json.expiresAt).toBe(`${year}-06-30T10:00:00.000Z`);
  });

  it('accepts expiry just under five years', async () => {
    const response = await createThrough({ expiresAt: new Date(Date.now() + 5 * 365 * 86_400_000 - 86_400_000).toISOString() });
    expect(response.status).toBe(201);
  });

  it('bulk delete ignores duplicate ids', async () => {
    const doomed = await seedToken(service.repository, { name: 'Duplicate target' });
    const unknown = generateTokenId();
    const ids = [doomed.token.id, unknown, doomed.token.id, unknown];

    const response = await send('POST', '/tokens/delete', { body: JSON.stringify({ ids }) });

    expect(response.status).toBe(200);
    expect(response.json.deleted).toEqual([doomed.token.id]);
    expect(response.json.notFound).toEqual([unknown]);
  });

  it('bulk delete takes 26 ids', async () => {
    const ids = Array.from({ length: 26 }, () => generateTokenId());
    const response = await send('POST', '/tokens/delete', { body: JSON.stringify({ ids }) });
    expect(response.status).toBe(200);
    expect(response.json.deleted).toEqual([]);
    expect(response.json.notFound).toEqual(ids);
  });

  it.for(['limit=1', 'limit=100', 'limit=007'])('list accepts %s', async (query) => {
    const response = await send('GET', `/tokens?${query}`);
    expect(response.status).toBe(200);
  });

  it.for([
    ['header name AUTHORIZATION', 'AUTHORIZATION', 'Bearer'],
    ['header name authorization', 'authorization', 'Bearer'],
    ['header name AuThOrIzAtIoN', 'AuThOrIzAtIoN', 'Bearer'],
    ['scheme bearer', 'Authorization', 'bearer'],
    ['scheme BEARER', 'Authorization', 'BEARER'],
    ['scheme BeArEr', 'Authorization', 'BeArEr'],
  ] as const)('accepts %s', async ([, headerName, scheme]) => {
    const response = await send('GET', '/whoami', { authorization: [[headerName, `${scheme} ${fixtures.adminSecret}`]] });
    expect(response.status).toBe(200);
  });

  it.for([
    ['two spaces after scheme', (secret: string) => `Bearer  ${secret}`],
    ['five spaces after scheme', (secret: string) => `Bearer     ${secret}`],
    ['trailing whitespace', (secret: string) => `Bearer ${secret}  \t `],
    ['leading whitespace', (secret: string) => `  Bearer ${secret}`],
  ] as const)('accepts %s', async ([, format]) => {
    const response = await send('GET', '/whoami', { authorization: [['Authorization', format(fixtures.adminSecret)]] });
    expect(response.status).toBe(200);
  });
});
