import { ROUTES, type HttpMethod, type Route } from '../functions/routes';

/**
 * Resource lookup as API Gateway REST APIs do it: the request path selects one resource
 * first, and the method is looked up on that resource only. A literal segment wins over
 * a `{name}` segment, so `GET /tokens/delete` selects the resource `/tokens/delete`, which
 * has no GET method, and never falls back to `/tokens/{id}`.
 *
 * Segments are compared as sent, still percent-encoded, so `%2F` never splits a segment.
 */
export interface ResourceMatch {
  /** The resource path from the route table, such as `/tokens/{id}`. */
  resourcePath: string;
  /** Raw (still percent-encoded) values of the `{name}` segments. */
  rawParameters: Record<string, string>;
  /** The routes of this resource, one per method. */
  routes: Route[];
}

interface Resource {
  path: string;
  segments: Segment[];
  routes: Route[];
}

type Segment = { kind: 'literal'; text: string } | { kind: 'parameter'; name: string };

const RESOURCES: readonly Resource[] = buildResources(ROUTES);

/** Returns the resource that a raw request path (no query string) selects, or undefined. */
export function matchResource(rawPath: string): ResourceMatch | undefined {
  if (!rawPath.startsWith('/')) return undefined;
  const requestSegments = rawPath.slice(1).split('/');

  let best: { resource: Resource; rank: string; parameters: Record<string, string> } | undefined;
  for (const resource of RESOURCES) {
    const parameters = matchSegments(resource.segments, requestSegments);
    if (!parameters) continue;

    // 'L' sorts before 'P', so the resource with the earliest literal segment ranks first.
    const rank = resource.segments.map((segment) => (segment.kind === 'literal' ? 'L' : 'P')).join('');
    if (!best || rank < best.rank) best = { resource, rank, parameters };
  }

  if (!best) return undefined;
  return { resourcePath: best.resource.path, rawParameters: best.parameters, routes: best.resource.routes };
}

export function routeForMethod(match: ResourceMatch, method: string): Route | undefined {
  return match.routes.find((route) => route.method === method);
}

export function methodsOf(match: ResourceMatch): HttpMethod[] {
  return match.routes.map((route) => route.method);
}

/**
 * Decodes path parameter values the way API Gateway fills `pathParameters`: percent-decoded,
 * with `+` left as it is. Returns undefined when a value is not valid percent-encoded UTF-8.
 */
export function decodePathParameters(rawParameters: Record<string, string>): Record<string, string> | undefined {
  const decoded: Record<string, string> = {};
  for (const [name, raw] of Object.entries(rawParameters)) {
    try {
      decoded[name] = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return decoded;
}

function matchSegments(segments: Segment[], requestSegments: string[]): Record<string, string> | undefined {
  if (segments.length !== requestSegments.length) return undefined;

  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const value = requestSegments[index] ?? '';
    if (segment.kind === 'literal') {
      if (value !== segment.text) return undefined;
      continue;
    }
    if (value === '') return undefined;
    parameters[segment.name] = value;
  }
  return parameters;
}

function buildResources(routes: readonly Route[]): Resource[] {
  const byPath = new Map<string, Resource>();
  for (const route of routes) {
    let resource = byPath.get(route.path);
    if (!resource) {
      resource = { path: route.path, segments: parseSegments(route.path), routes: [] };
      byPath.set(route.path, resource);
    }
    resource.routes.push(route);
  }
  return [...byPath.values()];
}

function parseSegments(path: string): Segment[] {
  return path
    .slice(1)
    .split('/')
    .map((text): Segment => {
      const parameter = /^\{([^}]+)\}$/.exec(text);
      return parameter?.[1] ? { kind: 'parameter', name: parameter[1] } : { kind: 'literal', text };
    });
}
