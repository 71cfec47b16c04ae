import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { buildHttpApiEvent } from './apigw-event';
import { claimsAsApiGatewayGivesThem, type TokenVerifier } from './jwt';
import { matchRoute, type Route } from './routes';

type LambdaHandler = (event: unknown, context: Context) => Promise<{ statusCode?: number; headers?: Record<string, string | number | boolean>; body?: string; isBase64Encoded?: boolean; cookies?: string[] }>;

/** A local-only route (under /_local/); never part of the deployed API. */
export type LocalRoute = (ctx: { req: IncomingMessage; url: URL; body: Buffer; res: ServerResponse }) => Promise<void>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** API Gateway's own payload limit; the handlers enforce the broker's much smaller one. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * The deployed routes (from serverless.yml) behind a JWT check like the HTTP API authorizer's,
 * plus local-only routes. Handlers get real APIGatewayProxyEventV2 events.
 */
export function createLocalServer(options: {
  routes: Route[];
  loadHandler: (route: Route) => Promise<LambdaHandler>;
  /** The JWT authorizer's check: the local dev IdP, or a real issuer's JWKS (`npm start -- --issuer`). */
  idp: Pick<TokenVerifier, 'verify'>;
  localRoutes: Record<string, LocalRoute>;
  onError?: (e: unknown) => void;
}): Server {
  const handlers = new Map<string, Promise<LambdaHandler>>();
  const handlerFor = (route: Route) => {
    let h = handlers.get(route.functionName);
    if (!h) {
      h = options.loadHandler(route);
      handlers.set(route.functionName, h);
    }
    return h;
  };

  return createServer(async (req, res) => {
    try {
      // DNS rebinding guard: a web page that resolves its own name to 127.0.0.1 must not read
      // the outbox (every approval link) or mint tokens. Only loopback names are served.
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_HOSTS.has(host)) return sendJson(res, 403, { message: 'Forbidden: local mode answers only to localhost' });
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
      const body = await readBody(req);
      if (!body) return sendJson(res, 413, { message: 'Request Entity Too Large' });

      const local = options.localRoutes[`${req.method} ${url.pathname}`];
      if (local) return await local({ req, url, body, res });

      const match = matchRoute(options.routes, req.method ?? 'GET', url.pathname);
      if (match === 'bad-request') return sendJson(res, 400, { message: 'Bad Request' });
      if (match === undefined) return sendJson(res, 404, { message: 'Not Found' });
      if (match === 'method-not-allowed') return sendJson(res, 404, { message: 'Not Found' });
      const { route, pathParameters } = match;

      let claims: Record<string, string> | undefined;
      if (route.authorized) {
        // API Gateway answers exactly this, before the Lambda runs, for a missing or bad token.
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        if (!token) return sendJson(res, 401, { message: 'Unauthorized' });
        try {
          claims = claimsAsApiGatewayGivesThem(await options.idp.verify(token));
        } catch {
          return sendJson(res, 401, { message: 'Unauthorized' });
        }
      }

      const event = buildHttpApiEvent({ req, url, routeKey: `${route.method} ${route.path}`, pathParameters, body, ...(claims ? { claims } : {}) });
      const handler = await handlerFor(route);
      const result = await handler(event, lambdaContext(route.functionName, event.requestContext.requestId));
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      if (result.cookies?.length) res.setHeader('set-cookie', result.cookies);
      res.writeHead(result.statusCode ?? 200, headers);
      res.end(result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
    } catch (e) {
      options.onError?.(e);
      // Like API Gateway when the integration fails: no detail leaks.
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.end();
    }
  });
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}
