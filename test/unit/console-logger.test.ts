/**
 * The Powertools-free logger (getCatalogue's): one JSON line per call, at or above its level,
 * redacted as the Powertools logger redacts, child fields merged.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createConsoleLogger } from '../../shared/log/console-logger';
import type { LogLevel } from '../../shared/log/logger';

function capture(level: LogLevel = 'debug', base = {}) {
  const lines: string[] = [];
  const logger = createConsoleLogger({ level, base, write: (line) => lines.push(line) });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

afterEach(() => vi.restoreAllMocks());

describe('createConsoleLogger', () => {
  it('writes one JSON line with level, message and fields', () => {
    const { logger, lines, parsed } = capture('debug', { fn: 'getCatalogue' });
    logger.warn('dependency failure', { code: 'UPSTREAM', statusCode: 502 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(parsed()[0]).toEqual({ level: 'warn', msg: 'dependency failure', fn: 'getCatalogue', code: 'UPSTREAM', statusCode: 502 });
  });

  it.each([
    ['debug', ['debug', 'info', 'warn', 'error']],
    ['info', ['info', 'warn', 'error']],
    ['warn', ['warn', 'error']],
    ['error', ['error']],
  ] as [LogLevel, LogLevel[]][])('at level %s prints %j', (level, printed) => {
    const { logger, parsed } = capture(level);
    for (const at of ['debug', 'info', 'warn', 'error'] as LogLevel[]) logger[at](at);
    expect(parsed().map((l) => l.level)).toEqual(printed);
  });

  it('redacts secret-looking keys and secret-looking text, in fields, base and child fields', () => {
    const token = 'A'.repeat(43);
    const { logger, lines, parsed } = capture('debug', { sessionToken: 'base-secret' });
    logger.child({ requestId: 'r-1', authorization: 'Bearer abc' }).error('unhandled error', {
      credentials: { secretAccessKey: 'x' },
      nested: { taskToken: 'tt', ok: 1 },
      detail: `GET https://api.example/approvals/${token} SigninToken=abc&Destination=x`,
    });
    const text = lines.join('\n');
    for (const secret of ['base-secret', 'Bearer abc', token, 'SigninToken=abc', '"x"', '"tt"']) expect(text).not.toContain(secret);
    expect(parsed()[0]).toMatchObject({
      requestId: 'r-1',
      sessionToken: '[redacted]',
      authorization: '[redacted]',
      credentials: '[redacted]',
      nested: { taskToken: '[redacted]', ok: 1 },
      detail: 'GET https://api.example/approvals/[redacted] SigninToken=[redacted]&Destination=x',
    });
  });

  it('prints an Error with name, message and stack, redacted', () => {
    const { logger, parsed } = capture();
    logger.error('unhandled error', { error: new TypeError('bad approvals/' + 'B'.repeat(43)) });
    const error = parsed()[0]!.error as { name: string; message: string; stack: string };
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad approvals/[redacted]');
    expect(error.stack).toContain('console-logger.test.ts');
    expect(error.stack).not.toContain('B'.repeat(43));
  });

  it('merges child fields over the parent and keeps the parent unchanged', () => {
    const { logger, parsed } = capture('debug', { fn: 'f', a: 1 });
    const child = logger.child({ a: 2, requestId: 'r-1' });
    child.child({ routeKey: 'GET /catalogue' }).info('one');
    logger.info('two');
    expect(parsed()).toEqual([
      { level: 'info', msg: 'one', fn: 'f', a: 2, requestId: 'r-1', routeKey: 'GET /catalogue' },
      { level: 'info', msg: 'two', fn: 'f', a: 1 },
    ]);
  });

  it('keeps level and msg whatever the fields say', () => {
    const { logger, parsed } = capture();
    logger.error('real', { level: 'debug', msg: 'forged' });
    expect(parsed()[0]).toMatchObject({ level: 'error', msg: 'real' });
  });

  it('prints [truncated] instead of an unfiltered deep object', () => {
    const { logger, lines } = capture();
    logger.info('deep', { a: { b: { c: { d: { e: { f: { g: { sessionToken: 'leak' } } } } } } } });
    expect(lines[0]).not.toContain('leak');
    expect(lines[0]).toContain('[truncated]');
  });

  it('writes to console.error by default', () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    createConsoleLogger().error('boom', { code: 'X' });
    createConsoleLogger().debug('below the default level (info)');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(JSON.parse(spy.mock.calls[0]![0] as string)).toEqual({ level: 'error', msg: 'boom', code: 'X' });
  });
});
