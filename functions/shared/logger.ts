/**
 * A structured JSON logger: one line per entry, a constant message, variables in fields.
 *
 * Callers must never pass a token secret. The secret's hash, the token id and the
 * tenant id are safe to log.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** Returns a logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

const writeToStdout: LogSink = (line) => process.stdout.write(line + '\n');

export function createLogger(options: { level?: LogLevel; sink?: LogSink; fields?: LogFields } = {}): Logger {
  const threshold = LEVEL_ORDER[options.level ?? 'info'];
  const sink = options.sink ?? writeToStdout;
  const baseFields = options.fields ?? {};

  const write = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (LEVEL_ORDER[level] < threshold) return;
    const entry = { level, time: new Date().toISOString(), message, ...baseFields, ...fields };
    sink(JSON.stringify(entry, serializeErrors));
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger({ ...options, fields: { ...baseFields, ...fields } }),
  };
}

/** Writes errors as name, message and cause, because JSON.stringify drops them to `{}`. */
function serializeErrors(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const serialized: Record<string, unknown> = { name: value.name, message: value.message };
  if (value.cause !== undefined) serialized.cause = value.cause;
  return serialized;
}
