/**
 * Returns the CORS headers of a response: an allowed origin may read it, any other
 * origin gets no CORS headers. `*` in the allowed list lets any origin read responses,
 * which is safe here because tokens travel in a header, never in cookies.
 */
export function corsHeaders(origin: string | undefined, allowedOrigins: readonly string[]): Record<string, string> {
  if (!origin || allowedOrigins.length === 0) return {};

  const allowAny = allowedOrigins.includes('*');
  if (!allowAny && !allowedOrigins.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': allowAny ? '*' : origin,
    'Access-Control-Expose-Headers': 'Location, Retry-After',
    ...(allowAny ? {} : { Vary: 'Origin' }),
  };
}
