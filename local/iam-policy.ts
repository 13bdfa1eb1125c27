/**
 * Checks an authorizer's output and evaluates its IAM policy against a method ARN, the way
 * API Gateway decides between calling the integration and its ACCESS_DENIED response (403).
 *
 * Evaluation follows IAM: a matching Deny statement wins, otherwise a matching Allow
 * statement allows, and a request that no statement matches is denied. In Action and
 * Resource patterns `*` matches any run of characters (`/` included) and `?` one character.
 * Actions compare without case, resources with case.
 *
 * Only `Sid`, `Effect`, `Action` and `Resource` are supported in a statement. A statement
 * with `Condition`, `NotAction`, `NotResource` or `Principal` is reported as invalid output,
 * so the gateway fails closed instead of ignoring a restriction.
 */
export interface AuthorizerGrant {
  principalId: string;
  statements: PolicyStatement[];
  /** Context for the integration; every value is a string. */
  context: Record<string, string>;
}

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  actions: RegExp[];
  resources: RegExp[];
}

export type AuthorizerOutputCheck = { ok: true; grant: AuthorizerGrant } | { ok: false; reason: string };

const INVOKE_ACTION = 'execute-api:Invoke';
const SUPPORTED_STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource']);

/**
 * Validates the authorizer's return value and compiles its policy. API Gateway responds
 * to an invalid value with AUTHORIZER_CONFIGURATION_ERROR.
 *
 * API Gateway also accepts numbers and booleans as context values and turns them into
 * strings. This check rejects them, because the handlers read every context value as a
 * string and must not depend on that conversion.
 */
export function readAuthorizerOutput(output: unknown): AuthorizerOutputCheck {
  if (!isRecord(output)) return { ok: false, reason: 'the output is not an object' };

  const { principalId, policyDocument, context } = output;
  if (typeof principalId !== 'string' || principalId === '') {
    return { ok: false, reason: 'principalId is missing or not a non-empty string' };
  }
  if (!isRecord(policyDocument)) return { ok: false, reason: 'policyDocument is missing or not an object' };

  const rawStatements = policyDocument.Statement;
  const statementList = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: PolicyStatement[] = [];
  for (const [index, raw] of statementList.entries()) {
    const statement = readStatement(raw);
    if (typeof statement === 'string') return { ok: false, reason: `policyDocument.Statement[${index}] ${statement}` };
    statements.push(statement);
  }

  const contextCheck = readContext(context);
  if (typeof contextCheck === 'string') return { ok: false, reason: contextCheck };
  return { ok: true, grant: { principalId, statements, context: contextCheck } };
}

/** Tells whether the statements allow invoking `methodArn`: an explicit Deny wins over any Allow. */
export function isInvokeAllowed(statements: readonly PolicyStatement[], methodArn: string): boolean {
  let allowed = false;
  for (const statement of statements) {
    if (!matchesAny(statement.actions, INVOKE_ACTION) || !matchesAny(statement.resources, methodArn)) continue;
    if (statement.effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}

/** Returns the compiled statement, or a description of what is wrong with it. */
function readStatement(raw: unknown): PolicyStatement | string {
  if (!isRecord(raw)) return 'is not an object';

  const unsupported = Object.keys(raw).filter((key) => !SUPPORTED_STATEMENT_KEYS.has(key));
  if (unsupported.length > 0) return `uses ${unsupported.join(', ')}, which the local gateway does not support`;

  const { Effect, Action, Resource } = raw;
  if (Effect !== 'Allow' && Effect !== 'Deny') return 'has an Effect other than "Allow" or "Deny"';

  const actions = stringList(Action);
  if (!actions) return 'has no Action string or list of strings';
  const resources = stringList(Resource);
  if (!resources) return 'has no Resource string or list of strings';

  return {
    effect: Effect,
    actions: actions.map((pattern) => compileWildcard(pattern, 'i')),
    resources: resources.map((pattern) => compileWildcard(pattern, '')),
  };
}

/** Returns the context with string values, or a description of the first invalid value. */
function readContext(context: unknown): Record<string, string> | string {
  if (context === undefined || context === null) return {};
  if (!isRecord(context)) return 'context is not an object';

  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (typeof value !== 'string') {
      return `context value "${key}" is ${value === null ? 'null' : `a ${typeof value}`}; context values must be strings`;
    }
    values[key] = value;
  }
  return values;
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    return value as string[];
  }
  return undefined;
}

function compileWildcard(pattern: string, flags: string): RegExp {
  let source = '';
  for (const character of pattern) {
    if (character === '*') source += '.*';
    else if (character === '?') source += '.';
    else source += character.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, `${flags}s`);
}

function matchesAny(patterns: readonly RegExp[], value: string): boolean {
  return patterns.some((pattern) => pattern.test(value));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
