import { LogFormatter, LogItem, Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redact, type LogFields, type LogLevel } from './redact';
import { printedValue, sourceMappedStack } from './source-mapped-stack';

export type { LogFields, LogLevel } from './redact';
export { redact, redactingReplacer } from './redact';

/**
 * One structured JSON logger: Powertools Logger (Lambda context, cold start, X-Ray trace id,
 * error stack traces) behind the broker's small `Logger` interface. Keys that could carry a
 * secret (credentials, tokens, links, URLs with sign-in tokens) are redacted whatever the caller
 * passes, twice: the fields before they reach Powertools, and every key and string again in the
 * Logger's jsonReplacerFn (so error messages and stack traces Powertools formats are filtered
 * too). A careless log line must not leak access.
 */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** The Powertools Logger underneath (for its injectLambdaContext middleware); absent in test fakes. */
  readonly powertools?: PowertoolsLogger;
}

/**
 * The broker's line shape, kept from before Powertools: `level` (lower case), `time`, `msg`,
 * then Powertools' Lambda context and trace id when known, then the fields.
 */
class BrokerLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    return new LogItem({
      attributes: {
        level: attributes.logLevel.toLowerCase(),
        time: this.formatTimestamp(attributes.timestamp),
        msg: attributes.message,
        service: attributes.serviceName,
        cold_start: context?.coldStart,
        function_name: context?.functionName,
        function_request_id: context?.awsRequestId,
        xray_trace_id: attributes.xRayTraceId,
      },
    }).addAttributes(additional);
  }

  /** Powertools' error fields, with the stack and its `location` in source positions (shared/log/source-mapped-stack.ts). */
  override formatError(error: Error): LogAttributes {
    const formatted = super.formatError(error);
    if (typeof formatted['stack'] === 'string') {
      formatted['stack'] = sourceMappedStack(formatted['stack']);
      formatted['location'] = this.getCodeLocation(formatted['stack'] as string);
    }
    return formatted;
  }
}

type Write = (line: string) => void;

/** Sends Powertools' printed lines to `write` (tests) instead of stdout. */
function useWrite(logger: PowertoolsLogger, write: Write | undefined): PowertoolsLogger {
  if (write) {
    const print = (line: string) => write(line);
    (logger as unknown as { console: Record<string, Write> }).console = { debug: print, info: print, warn: print, error: print, log: print, trace: print };
  }
  return logger;
}

/** Powertools' thresholds of the broker's levels (a line prints when its threshold is at least the logger's level). */
const THRESHOLD: Record<LogLevel, number> = { debug: 8, info: 12, warn: 16, error: 20 };

/**
 * The broker's Logger over a Powertools Logger made on first need. A child made for one event
 * (the alarm path makes one or two per CloudTrail record) costs nothing until it prints: a
 * Powertools child reads its settings from the environment and builds a Console, which trail
 * reconciliation would otherwise pay for every candidate record. `level` is the parent's level
 * (what the child inherits), so a line below it creates nothing and prints nothing.
 */
function wrap(make: () => PowertoolsLogger, level: () => number, write: Write | undefined): Logger {
  let made: PowertoolsLogger | undefined;
  const logger = () => (made ??= useWrite(make(), write));
  const line = (at: LogLevel) => (msg: string, fields?: LogFields) => {
    if (made === undefined && THRESHOLD[at] < level()) return;
    logger()[at](msg, redact(fields ?? {}) as LogAttributes);
  };
  const self: Logger = {
    debug: line('debug'),
    info: line('info'),
    warn: line('warn'),
    error: line('error'),
    child: (fields) => {
      const persistentKeys = redact(fields) as LogAttributes;
      return wrap(() => logger().createChild({ persistentKeys }), () => (made ? made.level : level()), write);
    },
    get powertools() {
      return logger();
    },
  };
  return self;
}

export function createLogger(options: { level?: LogLevel; base?: LogFields; write?: Write } = {}): Logger {
  const logger = new PowertoolsLogger({
    serviceName: 'access-broker',
    logLevel: (options.level ?? 'info').toUpperCase() as 'INFO',
    persistentKeys: redact(options.base ?? {}) as LogAttributes,
    logFormatter: new BrokerLogFormatter(),
    jsonReplacerFn: printedValue,
  });
  return wrap(() => logger, () => logger.level, options.write);
}
