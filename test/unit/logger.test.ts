import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/log/logger';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('logger', () => {
  it('redacts secret-looking keys at any depth it prints', () => {
    const { logger, lines } = capture();
    logger.info('issued', { requestId: 'r1', credentials: { secretAccessKey: 'x' }, nested: { sessionToken: 't', taskToken: 'tt', ok: 1 } });
    expect(lines[0]).toMatchObject({ msg: 'issued', requestId: 'r1', credentials: '[redacted]', nested: { sessionToken: '[redacted]', taskToken: '[redacted]', ok: 1 } });
  });

  it('redacts approval tokens and sign-in tokens inside text, e.g. an error message', () => {
    const { logger, lines } = capture();
    const token = 'A'.repeat(43);
    logger.error('failed', {
      error: new Error(`GET https://api.example/approvals/${token} failed; SigninToken=abc&Destination=x`),
      detail: `Action=getSigninToken&Session=%7B%22sessionId%22%7D`,
    });
    const text = JSON.stringify(lines[0]);
    expect(text).not.toContain(token);
    expect(text).not.toContain('SigninToken=abc');
    expect(text).not.toContain('%7B%22sessionId');
    expect(text).toContain('approvals/[redacted]');
  });

  it('prints [truncated] instead of an unfiltered deep object', () => {
    const { logger, lines } = capture();
    logger.info('deep', { a: { b: { c: { d: { e: { f: { g: { sessionToken: 'leak' } } } } } } } });
    expect(JSON.stringify(lines[0])).not.toContain('leak');
    expect(JSON.stringify(lines[0])).toContain('[truncated]');
  });

  it('drops lines under the threshold', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines).toHaveLength(1);
  });
});
