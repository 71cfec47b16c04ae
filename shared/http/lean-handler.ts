import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { ValidationError } from '../domain/errors';
import type { Caller } from '../domain/identity';
import type { Logger } from '../log/logger';
import type { Settings } from '../runtime/deps';
import { callerFromEvent } from './caller';
import { routeErrorToHttp } from './error-response';
import { header, readBody } from './request-body';
import { json, type HttpResult } from './responses';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

/** What the lean edge needs from the function's composition root. */
export interface LeanHttpDeps {
  logger: Logger;
  settings: Pick<Settings, 'groupsClaim' | 'requireVerifiedEmail'>;
}

/**
 * Unknown query parameters refused as apiHandler refuses them (it parses the query string with
 * `z.strictObject({})`): one detail per parameter, in the order given, and the same message.
 * test/unit/lean-handler.test.ts holds the two side by side.
 */
export function refuseQueryParameters(query: Record<string, string | undefined> | undefined): void {
  const unknown = Object.keys(query ?? {});
  if (unknown.length === 0) return;
  const details = unknown.map((field) => ({ field, rule: 'unknown-field', message: 'is not a known field' }));
  throw new ValidationError(`Invalid query string: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
}

/**
 * The HTTP edge of a route with no body, no path and no query parameters, signed in by the JWT
 * authorizer, without middy or zod: the same steps and outcomes as apiHandler
 * (shared/http/api-handler.ts) for such a route, so the same statuses, headers and bodies. The
 * caller comes from callerFromEvent, a body is refused by readBody's rules (a JSON body is read
 * and ignored, as apiHandler does for a route without a body schema), any query parameter is
 * refused, and every error is mapped by errorToHttp. It logs nothing on the healthy path: API
 * Gateway's access log records each request (requestId, routeKey, status, latency); errorToHttp
 * logs unexpected errors and failed dependencies.
 *
 * For getCatalogue, the one function without AWS SDK clients, whose cold start middy and zod
 * would more than double (see docs/architecture.md).
 */
export function leanApiHandler<D extends LeanHttpDeps>(deps: D, run: (input: { caller: Caller; event: Event; deps: D }) => HttpResult | Promise<HttpResult>) {
  return async (event: Event, context?: { awsRequestId?: string }): Promise<HttpResult> => {
    try {
      const caller = callerFromEvent(event, header(event, 'authorization'), { groupsClaim: deps.settings.groupsClaim, requireVerifiedEmail: deps.settings.requireVerifiedEmail });
      readBody(event, ['json']);
      refuseQueryParameters(event.queryStringParameters);
      return await run({ caller, event, deps });
    } catch (error) {
      const { status, body, headers } = routeErrorToHttp(error, event, context?.awsRequestId, deps.logger);
      return json(status, body, headers);
    }
  };
}
