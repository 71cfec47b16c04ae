import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';

/**
 * The payload-format-2.0 event API Gateway's HTTP API hands a function once its JWT authorizer
 * has verified the caller (`claims` as the authorizer passes them on, flattened to strings), for
 * tests and benchmarks that invoke a handler directly. local/apigw-event.ts builds the same shape
 * from a real HTTP request.
 */
export function httpApiEvent(args: {
  routeKey: string;
  path: string;
  claims: Record<string, string>;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  requestId?: string;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const [method] = args.routeKey.split(' ');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: args.routeKey,
    rawPath: args.path,
    rawQueryString: '',
    headers: args.headers ?? {},
    ...(args.pathParameters ? { pathParameters: args.pathParameters } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: method!, path: args.path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: args.requestId ?? 'test-request',
      routeKey: args.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: args.claims, scopes: [] } },
    },
  } as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}
