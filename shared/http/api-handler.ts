import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import '../zod-english';
import type { Caller } from '../domain/identity';
import { lambdaContextMiddleware } from '../log/lambda-context';
import type { Deps } from '../runtime/deps';
import { callerFromEvent } from './caller';
import { routeErrorToHttp, type ErrorBody } from './error-response';
import { json } from './responses';
import { header, readBody, type BodyFormat } from './request-body';
import type { HttpResult } from './responses';
import { parseWith } from './validation';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Schema = z.core.$ZodType | undefined;
type Out<S extends Schema> = S extends z.core.$ZodType ? z.infer<S> : undefined;

export interface RouteSpec<B extends Schema, Q extends Schema, P extends Schema> {
  /** 'none' only for routes whose path token is the credential (approval links). */
  auth: 'jwt' | 'none';
  body?: B;
  query?: Q;
  path?: P;
  formats?: readonly BodyFormat[];
  /** Presents a mapped error differently (e.g. as an HTML page); the status mapping stays errorToHttp's. */
  renderError?: (status: number, body: ErrorBody, event: Event) => HttpResult;
}

/** What the HTTP boundary itself needs from the function's composition root. */
export type HttpDeps = Pick<Deps, 'logger' | 'settings'>;

export interface RouteInput<D, B extends Schema, Q extends Schema, P extends Schema> {
  caller: Caller;
  body: Out<B>;
  query: Out<Q>;
  path: Out<P>;
  event: Event;
  deps: D;
}

interface State {
  started: number;
}

/** Logs one line per request (no body, no query: they may carry tokens) and maps errors once. */
function httpBoundary(deps: HttpDeps, renderError?: RouteSpec<Schema, Schema, Schema>['renderError']): MiddlewareObj<Event, HttpResult, Error, Context & State> {
  return {
    before: (request) => {
      request.context.started = Date.now();
    },
    after: (request) => {
      deps.logger.info('request', {
        routeKey: request.event.routeKey,
        statusCode: request.response?.statusCode,
        requestId: request.event.requestContext?.requestId,
        ms: Date.now() - request.context.started,
      });
    },
    onError: (request) => {
      const { requestId, status, body, headers } = routeErrorToHttp(request.error, request.event, request.context.awsRequestId, deps.logger);
      request.response = renderError ? renderError(status, body, request.event) : json(status, body, headers);
      deps.logger.info('request', { routeKey: request.event.routeKey, statusCode: request.response.statusCode, requestId });
    },
  };
}

const ANONYMOUS: Caller = { sub: '', email: '', groups: [] };

/**
 * The shape of every HTTP entry point: identity, body, query and path validated at the edge,
 * then one use case. Unknown query parameters are refused like unknown body fields. `deps` are
 * the function's ports from its composition root; `run` receives them.
 */
export function apiHandler<D extends HttpDeps, B extends Schema = undefined, Q extends Schema = undefined, P extends Schema = undefined>(
  deps: D,
  spec: RouteSpec<B, Q, P>,
  run: (input: RouteInput<D, B, Q, P>) => Promise<HttpResult>,
) {
  const base = async (event: Event): Promise<HttpResult> => {
    const caller =
      spec.auth === 'jwt'
        ? callerFromEvent(event, header(event, 'authorization'), { groupsClaim: deps.settings.groupsClaim, requireVerifiedEmail: deps.settings.requireVerifiedEmail })
        : ANONYMOUS;
    const rawBody = readBody(event, spec.formats ?? ['json']);
    const body = spec.body ? parseWith(spec.body, rawBody ?? {}, 'body') : undefined;
    const query = parseWith(spec.query ?? z.strictObject({}), event.queryStringParameters ?? {}, 'query string');
    const path = spec.path ? parseWith(spec.path, event.pathParameters ?? {}, 'path') : undefined;
    return run({ caller, body: body as Out<B>, query: (spec.query ? query : undefined) as Out<Q>, path: path as Out<P>, event, deps });
  };
  return middy<Event, HttpResult, Error, Context & State>(base)
    .use(lambdaContextMiddleware(deps.logger) as MiddlewareObj<Event, HttpResult, Error, Context & State>)
    .use(httpBoundary(deps, spec.renderError));
}
