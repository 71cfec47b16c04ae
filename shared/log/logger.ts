/**
 * One structured JSON logger. Keys that could carry a secret (credentials, tokens, links,
 * URLs with sign-in tokens) are redacted whatever the caller passes: a careless log line
 * must not leak access.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|token|password|credential|sessionkey|signin|link|url|authorization|cookie/i;
const SAFE_KEYS = new Set(['requestId', 'awsRequestId', 'executionArn', 'statusCode', 'routeKey']);

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

/** Values that are secrets whatever key they sit under: approval tokens, sign-in tokens, session credentials. */
const SECRET_VALUES = [
  /(approvals\/)[A-Za-z0-9_-]{43}/g,
  /(SigninToken=)[^&\s"]+/gi,
  /(Session=)[^&\s"]+/g,
  /(X-Amz-Security-Token=)[^&\s"]+/gi,
];

function redactText(text: string): string {
  return SECRET_VALUES.reduce((out, pattern) => out.replace(pattern, '$1[redacted]'), text);
}

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than this is never a log field we wrote on purpose: refuse rather than print it unfiltered.
  if (depth > 6) return '[truncated]';
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && !SAFE_KEYS.has(key) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export function createLogger(
  options: { level?: LogLevel; base?: LogFields; write?: (line: string) => void } = {},
): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const base = options.base ?? {};
  const log = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (LEVELS[level] < threshold) return;
    const entry = redact({ ...base, ...fields }) as LogFields;
    write(JSON.stringify({ level, time: new Date().toISOString(), msg, ...entry }));
  };
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
  };
}
