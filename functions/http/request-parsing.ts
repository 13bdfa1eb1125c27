import type { APIGatewayProxyEvent } from 'aws-lambda';
import type * as z from 'zod/mini';
import { HttpError, ValidationError, badRequest } from './errors';
import type { FieldError } from './problems';

/** Bodies above this size are rejected with 413 before they are parsed. */
export const MAX_BODY_BYTES = 16 * 1024;

export interface RequestSchemas {
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  params?: z.ZodMiniType;
}

export interface ParsedRequest {
  body: unknown;
  query: unknown;
  params: unknown;
}

/** Validates path parameters, query string and JSON body; throws an HttpError naming the problem. */
export function parseRequest(event: APIGatewayProxyEvent, schemas: RequestSchemas): ParsedRequest {
  const params = schemas.params ? validate(schemas.params, event.pathParameters ?? {}, 'path') : undefined;
  const query = schemas.query ? validate(schemas.query, readQuery(event), 'query') : undefined;
  const body = schemas.body ? validate(schemas.body, readJsonBody(event), 'body') : undefined;
  return { body, query, params };
}

function readQuery(event: APIGatewayProxyEvent): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
    if (values && values.length > 1) throw badRequest(`query.${name}`, 'must be given at most once');
  }
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return query;
}

function readJsonBody(event: APIGatewayProxyEvent): unknown {
  const contentType = headerValue(event, 'content-type');
  if (!contentType) {
    throw new HttpError(415, 'The Content-Type header is missing; send the body as application/json.');
  }
  const [mediaType = '', ...parameters] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json') {
    throw new HttpError(415, `Content-Type ${mediaType || '(empty)'} is not supported; send application/json.`);
  }
  const charset = parameters.find((parameter) => parameter.startsWith('charset='));
  if (charset && !['charset=utf-8', 'charset="utf-8"'].includes(charset)) {
    throw new HttpError(415, `The ${charset} parameter is not supported; send the body as UTF-8.`);
  }

  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new HttpError(413, `The body is ${bytes.length} bytes; the limit is ${MAX_BODY_BYTES} bytes.`);
  }
  const text = bytes.toString('utf8');
  if (text.trim() === '') throw badRequest('body', 'the request body is empty; send a JSON object');

  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'syntax error';
    throw badRequest('body', `the body is not valid JSON: ${reason}`);
  }
}

export function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const lowerCaseName = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === lowerCaseName && value !== undefined) return value;
  }
  return undefined;
}

function validate(schema: z.ZodMiniType, input: unknown, location: 'body' | 'query' | 'path'): unknown {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => toFieldErrors(issue, location)));
}

function toFieldErrors(issue: z.core.$ZodIssue, location: string): FieldError[] {
  const base = formatPath(location, issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: `${base}.${key}`, message: 'is not a known field' }));
  }
  return [{ path: base, message: issue.message }];
}

function formatPath(location: string, path: readonly PropertyKey[]): string {
  let formatted = location;
  for (const segment of path) {
    formatted += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  }
  return formatted;
}
