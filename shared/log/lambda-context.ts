import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';
import type { Logger } from './logger';

/**
 * Powertools' injectLambdaContext for the function's logger: every line of the invocation (and
 * of child loggers made during it) carries function_name, function_request_id and cold_start.
 * Test fakes without a Powertools Logger get a middleware that does nothing (middy refuses an
 * empty one).
 */
export function lambdaContextMiddleware(logger: Pick<Logger, 'powertools'>): MiddlewareObj {
  return logger.powertools ? (injectLambdaContext(logger.powertools) as MiddlewareObj) : { before: () => undefined };
}
