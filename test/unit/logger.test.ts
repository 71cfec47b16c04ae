import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it, vi } from 'vitest';
import { lambdaContextMiddleware } from '../../shared/log/lambda-context';
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

  it('child loggers keep their parents\' fields and threshold, and make no Powertools logger for a dropped line', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'warn', write: (line) => lines.push(JSON.parse(line)) });
    const quiet = logger.child({ file: 'f1' }).child({ eventId: 'e1' });
    quiet.info('dropped');
    quiet.debug('dropped');
    expect(lines).toEqual([]);
    // No Powertools child exists until a line prints (or the middleware asks for it).
    const spy = vi.spyOn(logger.powertools!, 'createChild');
    const child = logger.child({ file: 'f2', sessionToken: 'leak' });
    child.child({ eventId: 'e2' }).info('dropped');
    expect(spy).not.toHaveBeenCalled();
    child.child({ eventId: 'e2' }).warn('printed', { n: 1 });
    expect(spy).toHaveBeenCalledTimes(1);
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'printed', file: 'f2', sessionToken: '[redacted]', eventId: 'e2', n: 1 })]);
    quiet.error('printed too');
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'printed too', file: 'f1', eventId: 'e1' });
  });

  it('prints an error with its stack trace (Powertools), the message and stack still redacted', () => {
    const { logger, lines } = capture();
    const token = 'B'.repeat(43);
    logger.error('failed', { error: new Error(`link https://api.example/approvals/${token} refused`) });
    const error = lines[0]!.error as { name: string; message: string; stack: string; location: string };
    expect(error.name).toBe('Error');
    expect(error.message).toBe('link https://api.example/approvals/[redacted] refused');
    expect(error.stack).toMatch(/^Error: link https:\/\/api\.example\/approvals\/\[redacted\] refused\n\s+at /);
    expect(typeof error.location).toBe('string');
    expect(JSON.stringify(lines[0])).not.toContain(token);
  });

  it('redacts secret keys Powertools prints itself, e.g. own properties of an error', () => {
    const { logger, lines } = capture();
    logger.error('failed', { error: Object.assign(new Error('sts said no'), { sessionToken: 'leak-1' }) });
    expect(JSON.stringify(lines[0])).not.toContain('leak-1');
    expect(lines[0]!.error).toMatchObject({ message: 'sts said no', sessionToken: '[redacted]' });
  });

  it('adds the Lambda context (injectLambdaContext) to the lines of an invocation and of its child loggers', async () => {
    const { logger, lines } = capture();
    const context = { functionName: 'access-broker-dev-getRequest', awsRequestId: 'aws-req-1', invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:x', memoryLimitInMB: '1024' } as unknown as Context;
    const handler = middy(async () => {
      logger.child({ requestId: 'r1' }).info('inside');
    }).use(lambdaContextMiddleware(logger));
    await handler({}, context);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'inside', requestId: 'r1', function_name: 'access-broker-dev-getRequest', function_request_id: 'aws-req-1' });
    expect(typeof lines[0]!.cold_start).toBe('boolean');
  });
});
