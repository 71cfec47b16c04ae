import type { Logger } from './logger';
import { redact, type LogFields, type LogLevel } from './redact';
import { printedValue } from './source-mapped-stack';

/**
 * A `Logger` without Powertools: each line is one JSON object written with `console.error`
 * (Lambda's runtime adds the timestamp, the request id and the level), redacted exactly as the
 * Powertools logger redacts (shared/log/redact.ts: the fields first, then every key and string of
 * the printed line).
 *
 * For getCatalogue, the one function without AWS SDK clients: its cold start is measured against
 * an empty handler (`npm run bench`, bench/bundles.ts), and importing Powertools Logger alone
 * adds about 12 ms to the 9 ms that handler takes (it loads node:crypto and node:console), more
 * than the whole 1.25x budget. That function logs nothing on its healthy path (API Gateway's
 * access log records each request) and only unexpected errors and failed dependencies otherwise,
 * so Powertools' Lambda-context fields are not worth their cold start there.
 */
const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * Errors print their name, message and stack (JSON.stringify would print `{}`), stacks in source
 * positions (shared/log/source-mapped-stack.ts), all redacted.
 */
function replacer(key: string, value: unknown): unknown {
  const plain = value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
  return printedValue(key, plain);
}

export function createConsoleLogger(options: { level?: LogLevel; base?: LogFields; write?: (line: string) => void } = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => console.error(line));
  // Fields are redacted when a line prints, not when a logger is made: redaction compiles its
  // patterns on first use, a cost the healthy path (which prints nothing) should not pay.
  const make = (fields: LogFields): Logger => {
    const line = (level: LogLevel) => (msg: string, extra?: LogFields) => {
      if (RANK[level] < threshold) return;
      // level and msg first, and not overridable by a field of the same name.
      const entry = Object.assign({ level, msg }, redact({ ...fields, ...extra }) as LogFields, { level, msg });
      write(JSON.stringify(entry, replacer));
    };
    return {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      child: (more) => make({ ...fields, ...more }),
    };
  };
  return make({ ...options.base });
}
