import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import '../zod-english';
import { isDomainError } from '../domain/errors';
import { zodSummary } from '../http/validation';
import { lambdaContextMiddleware } from '../log/lambda-context';
import type { Deps } from '../runtime/deps';
import { asWorkflowError } from './retryable-errors';

/**
 * Entry point of a workflow Lambda task: the payload is checked with zod (a malformed payload
 * is a bug in the state machine, so it fails loudly), then one use case runs. Errors are
 * rethrown with their name intact: Step Functions' Retry and Catch match on it. `deps` are the
 * function's ports from its composition root.
 */
export function taskHandler<D extends Pick<Deps, 'logger'>, S extends z.core.$ZodType, R>(deps: D, schema: S, run: (deps: D, payload: z.infer<S>) => Promise<R>) {
  return middy(async (event: unknown, _context: Context): Promise<R> => {
    const parsed = z.safeParse(schema, event);
    if (!parsed.success) {
      throw Object.assign(new Error(`Invalid task payload: ${zodSummary(parsed.error)}`), { name: 'Broker.InvalidPayload' });
    }
    const requestId = (parsed.data as { requestId?: string }).requestId;
    const logger = deps.logger.child({ requestId });
    try {
      const result = await run(deps, parsed.data);
      logger.debug('task done');
      return result;
    } catch (e) {
      const thrown = asWorkflowError(e);
      logger.error('task failed', { error: thrown, ...(isDomainError(e) ? { code: e.code } : {}) });
      throw thrown;
    }
  }).use(lambdaContextMiddleware(deps.logger));
}
