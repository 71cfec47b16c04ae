/**
 * What every logger of the broker filters out before a line is printed: keys that could carry a
 * secret (credentials, tokens, links, URLs with sign-in tokens) and secret-looking text (approval
 * tokens, sign-in tokens, session credentials in URLs). Free of imports, so a logger without
 * Powertools (shared/log/console-logger.ts) redacts exactly as the Powertools one does.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const SECRET_KEY = /secret|token|password|credential|sessionkey|signin|link|url|authorization|cookie/i;
const SAFE_KEYS = new Set(['requestId', 'awsRequestId', 'executionArn', 'statusCode', 'routeKey', 'function_request_id']);

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

const isSecretKey = (key: string) => SECRET_KEY.test(key) && !SAFE_KEYS.has(key);

/**
 * The fields of a log line with secret-looking keys and secret-looking text redacted. Errors stay
 * Errors (Powertools prints name, message, location and stack; the replacer filters those).
 */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  // Deeper than this is never a log field we wrote on purpose: refuse rather than print it unfiltered.
  if (depth > 6) return '[truncated]';
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = isSecretKey(key) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

/** The Logger's jsonReplacerFn: every key and every string of the printed line, Powertools' own included. */
export function redactingReplacer(key: string, value: unknown): unknown {
  if (key !== '' && isSecretKey(key)) return '[redacted]';
  return typeof value === 'string' ? redactText(value) : value;
}
