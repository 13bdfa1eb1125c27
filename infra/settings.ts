import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import type { Environment } from '../functions/shared/config';

/**
 * Deployment settings of the token service, read from CDK context: `cdk.json` under
 * "context", or `cdk synth -c key=value`. Values given with `-c` arrive as strings,
 * so numbers and lists are accepted as strings too. Every invalid value stops the
 * synthesis with an error that names the context key.
 */
export interface TokenServiceSettings {
  /** API Gateway stage, also the first path segment of the API URL. */
  stageName: string;
  /** Seconds API Gateway caches an authorizer decision per Authorization header, or 0 for no caching. */
  authorizerCacheTtlSeconds: number;
  /** Browser origins allowed to call the API, or `['*']` for any origin. */
  corsOrigins: string[];
  /** Steady-state request rate of the stage, in requests per second. */
  throttlingRateLimit: number;
  /** Maximum number of requests the stage accepts in a burst. */
  throttlingBurstLimit: number;
  /** Retention of every log group of the stack. */
  logRetentionDays: RetentionDays;
  logLevel: Environment['logLevel'];
  /** Base URL of the RentMagic API behind the gateway, without a trailing slash. */
  upstreamUrl?: string;
  /** Physical name of the DynamoDB table. CloudFormation generates one when absent. */
  tableName?: string;
}

export type SettingKey = keyof TokenServiceSettings;

type DefaultedKey = Exclude<SettingKey, 'upstreamUrl' | 'tableName'>;

export const DEFAULT_SETTINGS: Readonly<Pick<TokenServiceSettings, DefaultedKey>> = {
  stageName: 'v1',
  authorizerCacheTtlSeconds: 60,
  corsOrigins: ['*'],
  throttlingRateLimit: 100,
  throttlingBurstLimit: 200,
  logRetentionDays: RetentionDays.THREE_MONTHS,
  logLevel: 'info',
};

/** The limit API Gateway sets on the authorizer result cache, in seconds. */
export const MAX_AUTHORIZER_CACHE_TTL_SECONDS = 3600;

const LOG_LEVELS: readonly Environment['logLevel'][] = ['debug', 'info', 'warn', 'error'];

const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter(
  (value): value is number => typeof value === 'number',
);

/** Reads the settings from the CDK context of `scope`, usually the App. */
export function readSettings(scope: IConstruct): TokenServiceSettings {
  return parseSettings((key) => scope.node.tryGetContext(key));
}

/** Validates raw context values and fills in the defaults. `valueOf` returns undefined for an unset key. */
export function parseSettings(valueOf: (key: SettingKey) => unknown): TokenServiceSettings {
  const upstreamUrl = optional(valueOf, 'upstreamUrl', parseUpstreamUrl);
  const tableName = optional(valueOf, 'tableName', parseTableName);

  return {
    stageName: withDefault(valueOf, 'stageName', parseStageName),
    authorizerCacheTtlSeconds: withDefault(valueOf, 'authorizerCacheTtlSeconds', (key, value) =>
      parseInteger(key, value, 0, MAX_AUTHORIZER_CACHE_TTL_SECONDS),
    ),
    corsOrigins: withDefault(valueOf, 'corsOrigins', parseCorsOrigins),
    throttlingRateLimit: withDefault(valueOf, 'throttlingRateLimit', parsePositiveNumber),
    throttlingBurstLimit: withDefault(valueOf, 'throttlingBurstLimit', (key, value) =>
      parseInteger(key, value, 1, Number.MAX_SAFE_INTEGER),
    ),
    logRetentionDays: withDefault(valueOf, 'logRetentionDays', parseRetentionDays),
    logLevel: withDefault(valueOf, 'logLevel', parseLogLevel),
    ...(upstreamUrl === undefined ? {} : { upstreamUrl }),
    ...(tableName === undefined ? {} : { tableName }),
  };
}

type Parser<K extends SettingKey> = (key: K, value: unknown) => NonNullable<TokenServiceSettings[K]>;

function withDefault<K extends DefaultedKey>(
  valueOf: (key: SettingKey) => unknown,
  key: K,
  parse: Parser<K>,
): NonNullable<TokenServiceSettings[K]> {
  const value = valueOf(key);
  if (value === undefined || value === null) return copyDefault(key);
  return parse(key, value);
}

function copyDefault<K extends DefaultedKey>(key: K): NonNullable<TokenServiceSettings[K]> {
  const value = DEFAULT_SETTINGS[key];
  return (Array.isArray(value) ? [...value] : value) as NonNullable<TokenServiceSettings[K]>;
}

/** Parses a setting without default. An empty string counts as unset, so `-c upstreamUrl=` turns it off. */
function optional<K extends 'upstreamUrl' | 'tableName'>(
  valueOf: (key: SettingKey) => unknown,
  key: K,
  parse: Parser<K>,
): NonNullable<TokenServiceSettings[K]> | undefined {
  const value = valueOf(key);
  if (value === undefined || value === null || value === '') return undefined;
  return parse(key, value);
}

function invalid(key: SettingKey, value: unknown, rule: string): Error {
  const valueText = typeof value === 'string' ? value : JSON.stringify(value);
  return new Error(
    `Invalid CDK context value ${key}=${valueText}: expected ${rule}. Fix it in cdk.json or pass -c ${key}=VALUE.`,
  );
}

function parseStageName(key: 'stageName', value: unknown): string {
  // API Gateway allows letters, digits, hyphens and underscores, up to 128 characters.
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,128}$/.test(value)) {
    throw invalid(key, value, '1 to 128 letters, digits, hyphens or underscores');
  }
  return value;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

function parseInteger(key: SettingKey, value: unknown, min: number, max: number): number {
  const number = toNumber(value);
  if (number === undefined || !Number.isInteger(number) || number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw invalid(key, value, `an integer ${range}`);
  }
  return number;
}

function parsePositiveNumber(key: SettingKey, value: unknown): number {
  const number = toNumber(value);
  if (number === undefined || !Number.isFinite(number) || number <= 0) {
    throw invalid(key, value, 'a number greater than 0');
  }
  return number;
}

function parseRetentionDays(key: 'logRetentionDays', value: unknown): RetentionDays {
  const number = toNumber(value);
  if (number === undefined || !RETENTION_DAYS.includes(number)) {
    throw invalid(key, value, `one of the CloudWatch Logs retention periods in days: ${RETENTION_DAYS.join(', ')}`);
  }
  return number as RetentionDays;
}

function parseLogLevel(key: 'logLevel', value: unknown): Environment['logLevel'] {
  const level = LOG_LEVELS.find((candidate) => candidate === value);
  if (level === undefined) throw invalid(key, value, `one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/**
 * Parses a list or a comma-separated string of origins. Each entry is `*` or an origin such as
 * `https://app.rentmagic.example` (scheme, host and optional port, no path), and `*`
 * must stand alone because it already allows every origin.
 */
function parseCorsOrigins(key: 'corsOrigins', value: unknown): string[] {
  const entries = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(entries) || !entries.every((entry) => typeof entry === 'string')) {
    throw invalid(key, value, 'a comma-separated string or a list of origins');
  }

  const origins = [...new Set(entries.map((entry: string) => entry.trim()).filter(Boolean))];
  if (origins.length === 0) throw invalid(key, value, 'at least one origin, or * for any');
  if (origins.includes('*') && origins.length > 1) {
    throw invalid(key, value, '* alone, because it already allows every origin');
  }
  for (const origin of origins) {
    if (origin !== '*' && !isOrigin(origin)) {
      throw invalid(key, value, `origins of the form https://host[:port] without a path, but got ${origin}`);
    }
  }
  return origins;
}

function isOrigin(candidate: string): boolean {
  if (!URL.canParse(candidate)) return false;
  const url = new URL(candidate);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === candidate;
}

/**
 * Parses the upstream base URL. Only HTTPS is accepted, because the gateway forwards each
 * caller's bearer token and tenant identity to it. A query string or fragment would end up
 * in front of every proxied path, so both are rejected.
 */
function parseUpstreamUrl(key: 'upstreamUrl', value: unknown): string {
  if (typeof value !== 'string' || !URL.canParse(value)) throw invalid(key, value, 'an https:// URL');

  const url = new URL(value);
  if (url.protocol !== 'https:') throw invalid(key, value, 'an https:// URL');
  if (url.username || url.password) throw invalid(key, value, 'a URL without user name or password');
  if (url.search || url.hash) throw invalid(key, value, 'a URL without query string or fragment');
  return url.href.replace(/\/+$/, '');
}

function parseTableName(key: 'tableName', value: unknown): string {
  // DynamoDB's naming rule: 3 to 255 letters, digits, underscores, hyphens or dots.
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    throw invalid(key, value, '3 to 255 letters, digits, underscores, hyphens or dots');
  }
  return value;
}
