import { createHash } from 'node:crypto';
import { isTokenId } from './ids';

/**
 * Paging cursors: base64url of `<tenant>.<last token id>.<check>`, where the check is
 * the first 8 bytes of a SHA-256 over the rest. The check catches truncated or edited
 * cursors. It is not a secret, because tenant isolation never depends on the cursor:
 * the query always runs in the caller's own partition.
 */
export function encodeCursor(tenantId: string, lastTokenId: string): string {
  const payload = `${tenantId}.${lastTokenId}`;
  return Buffer.from(`${payload}.${checkOf(payload)}`, 'utf8').toString('base64url');
}

export type CursorResult = { ok: true; lastTokenId: string } | { ok: false; reason: string };

export function decodeCursor(cursor: string, tenantId: string): CursorResult {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return { ok: false, reason: 'is not a cursor returned by this API' };

  const decoded = Buffer.from(cursor, 'base64url');
  // Base64 ignores unused low bits of the last character; re-encoding catches edits there.
  if (decoded.toString('base64url') !== cursor) return { ok: false, reason: 'is not a cursor returned by this API' };

  const parts = decoded.toString('utf8').split('.');
  if (parts.length !== 3) return { ok: false, reason: 'is not a cursor returned by this API' };

  const [cursorTenant = '', lastTokenId = '', check = ''] = parts;
  if (check !== checkOf(`${cursorTenant}.${lastTokenId}`) || !isTokenId(lastTokenId)) {
    return { ok: false, reason: 'is damaged or was edited; request the first page again' };
  }
  if (cursorTenant !== tenantId) return { ok: false, reason: 'belongs to another tenant' };
  return { ok: true, lastTokenId };
}

function checkOf(payload: string): string {
  return createHash('sha256').update(payload).digest('base64url').slice(0, 11);
}
