import { DomainError, RateLimitedError, type ErrorKind } from '../domain/errors';
import type { Logger } from '../log/logger';

/** The one place a domain error becomes an HTTP status. */
export const STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  gone: 410,
  'rate-limited': 429,
  unavailable: 503,
  upstream: 502,
};

export interface ErrorBody {
  error: { code: string; message: string; details: { field?: string; rule?: string; message: string }[] };
}

export function errorBody(e: DomainError): ErrorBody {
  return { error: { code: e.code, message: e.message, details: e.details } };
}

/**
 * Maps any thrown value to a response; anything that is not a DomainError is a 500 that reveals
 * nothing. A rate-limited error carries `Retry-After` (seconds).
 */
export function errorToHttp(e: unknown, logger: Logger, requestId: string): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (e instanceof DomainError) {
    const status = STATUS_BY_KIND[e.kind];
    if (status >= 500) logger.warn('dependency failure', { code: e.code, message: e.message });
    if (e instanceof RateLimitedError) return { status, body: errorBody(e), headers: { 'retry-after': String(e.retryAfterSeconds) } };
    return { status, body: errorBody(e) };
  }
  logger.error('unhandled error', { error: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) });
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: `Internal error; quote request id ${requestId} when reporting it`, details: [] } },
  };
}

/**
 * The answer to an error at an HTTP route: mapped by errorToHttp, logged (when it logs) with the
 * request id API Gateway gave the call (else Lambda's) and the route. Both HTTP edges use it.
 */
export function routeErrorToHttp(
  error: unknown,
  event: { routeKey?: string; requestContext?: { requestId?: string } },
  awsRequestId: string | undefined,
  logger: Logger,
): { requestId: string; status: number; body: ErrorBody; headers?: Record<string, string> } {
  const requestId = event.requestContext?.requestId ?? awsRequestId ?? 'unknown';
  return { requestId, ...errorToHttp(error, logger.child({ requestId, routeKey: event.routeKey }), requestId) };
}
