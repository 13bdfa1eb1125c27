/**
 * Reads a Lambda proxy integration result (payload format 1.0) into the HTTP response the
 * gateway sends. A result that API Gateway would call a "Malformed Lambda proxy response"
 * is reported with the reason, and the gateway responds with a generic 5xx.
 *
 * `headers` and `multiValueHeaders` are merged as API Gateway documents it: a header name
 * present in `multiValueHeaders` takes its values from there only.
 */
export interface HttpResponse {
  status: number;
  /** Header name and value pairs; a name may repeat. */
  headers: [string, string][];
  body: Buffer;
}

export type ProxyResultCheck = { ok: true; response: HttpResponse } | { ok: false; reason: string };

const RESULT_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);

export function readProxyResult(result: unknown): ProxyResultCheck {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    return { ok: false, reason: 'the result is not an object' };
  }
  const fields = result as Record<string, unknown>;

  const unknownKeys = Object.keys(fields).filter((key) => !RESULT_KEYS.has(key));
  if (unknownKeys.length > 0) return { ok: false, reason: `the result has unknown fields: ${unknownKeys.join(', ')}` };

  const { statusCode, body, isBase64Encoded } = fields;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return { ok: false, reason: 'statusCode is not an integer from 100 to 599' };
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return { ok: false, reason: 'body is not a string' };
  if (isBase64Encoded !== undefined && typeof isBase64Encoded !== 'boolean') {
    return { ok: false, reason: 'isBase64Encoded is not a boolean' };
  }

  const headers = mergeHeaders(fields.headers, fields.multiValueHeaders);
  if (typeof headers === 'string') return { ok: false, reason: headers };

  const text = body ?? '';
  return {
    ok: true,
    response: {
      status: statusCode,
      headers,
      body: isBase64Encoded ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8'),
    },
  };
}

/** Returns the merged header pairs, or the reason the headers are malformed. */
function mergeHeaders(single: unknown, multi: unknown): [string, string][] | string {
  const pairs: [string, string][] = [];
  const multiNames = new Set<string>();

  if (multi !== undefined && multi !== null) {
    if (!isPlainRecord(multi)) return 'multiValueHeaders is not an object';
    for (const [name, values] of Object.entries(multi)) {
      if (!Array.isArray(values) || !values.every(isHeaderValue)) {
        return `multiValueHeaders.${name} is not a list of strings, numbers or booleans`;
      }
      multiNames.add(name.toLowerCase());
      for (const value of values) pairs.push([name, String(value)]);
    }
  }

  if (single !== undefined && single !== null) {
    if (!isPlainRecord(single)) return 'headers is not an object';
    for (const [name, value] of Object.entries(single)) {
      if (!isHeaderValue(value)) return `headers.${name} is not a string, number or boolean`;
      if (multiNames.has(name.toLowerCase())) continue;
      pairs.push([name, String(value)]);
    }
  }
  return pairs;
}

function isHeaderValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
