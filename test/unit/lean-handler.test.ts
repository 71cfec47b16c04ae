/**
 * The lean HTTP edge (shared/http/lean-handler.ts, getCatalogue's) answers exactly as apiHandler
 * (middy, zod) does for a route with no body, path or query: the same ValidationError for query
 * parameters as `parseWith(z.strictObject({}), ..., 'query string')`, and the same status,
 * headers and body for every event, the error paths included, side by side.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { RateLimitedError, UnavailableError, ValidationError } from '../../shared/domain/errors';
import { apiHandler } from '../../shared/http/api-handler';
import { leanApiHandler, refuseQueryParameters } from '../../shared/http/lean-handler';
import { json, type HttpResult } from '../../shared/http/responses';
import { parseWith } from '../../shared/http/validation';
import type { LogFields, Logger } from '../../shared/log/logger';

function thrown(run: () => unknown): unknown {
  try {
    run();
    return undefined;
  } catch (e) {
    return e;
  }
}

describe('refuseQueryParameters', () => {
  it.each([
    ['no query string', undefined],
    ['an empty one', {}],
    ['one parameter', { scope: 'mine' }],
    ['several, in the order given', { b: '1', a: '2', limit: '' }],
    ['numeric-looking names', { '2': 'x', '10': 'y', name: 'z' }],
    ['a name that is a secret-looking word', { token: 'abc' }],
    ['__proto__ as a name', JSON.parse('{"__proto__": "x", "ok": "y"}') as Record<string, string>],
  ])('%s: the same outcome as parseWith(z.strictObject({}))', (_name, query) => {
    const lean = thrown(() => refuseQueryParameters(query));
    const zod = thrown(() => parseWith(z.strictObject({}), query ?? {}, 'query string'));
    if (zod === undefined) return expect(lean).toBeUndefined();
    expect(lean).toBeInstanceOf(ValidationError);
    expect(zod).toBeInstanceOf(ValidationError);
    const fields = (e: unknown) => ({ message: (e as ValidationError).message, code: (e as ValidationError).code, details: (e as ValidationError).details });
    expect(fields(lean)).toEqual(fields(zod));
  });

  it('names each parameter with the unknown-field rule', () => {
    expect((thrown(() => refuseQueryParameters({ x: '1' })) as ValidationError).details).toEqual([{ field: 'x', rule: 'unknown-field', message: 'is not a known field' }]);
  });
});

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

function recordingLogger(lines: { level: string; msg: string; fields: LogFields }[], base: LogFields = {}): Logger {
  const line = (level: string) => (msg: string, fields: LogFields = {}) => void lines.push({ level, msg, fields: { ...base, ...fields } });
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error'), child: (more) => recordingLogger(lines, { ...base, ...more }) };
}

const CLAIMS = { sub: 'u-1', email: 'alice@example.com', email_verified: 'true', groups: '[engineers]' };

function event(overrides: { claims?: Record<string, string> | null; headers?: Record<string, string>; query?: Record<string, string>; body?: string; requestId?: string } = {}): Event {
  const claims = overrides.claims === undefined ? CLAIMS : overrides.claims;
  return {
    version: '2.0',
    routeKey: 'GET /catalogue',
    rawPath: '/catalogue',
    rawQueryString: '',
    headers: overrides.headers ?? {},
    ...(overrides.query ? { queryStringParameters: overrides.query } : {}),
    ...(overrides.body !== undefined ? { body: overrides.body } : {}),
    isBase64Encoded: false,
    requestContext: {
      http: { method: 'GET', path: '/catalogue', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      ...(overrides.requestId === '' ? {} : { requestId: overrides.requestId ?? 'req-1' }),
      routeKey: 'GET /catalogue',
      stage: '$default',
      ...(claims ? { authorizer: { jwt: { claims, scopes: [] } } } : {}),
    },
  } as unknown as Event;
}

/** A JWT whose payload disagrees with the authorizer's claims (another sub). */
const otherToken = `Bearer e30.${Buffer.from(JSON.stringify({ sub: 'u-2', email: 'alice@example.com' })).toString('base64url')}.c2ln`;

const cases: [string, Event, (caller: unknown) => HttpResult][] = [
  ['a signed-in caller', event(), (caller) => json(200, { caller })],
  ['a header name in any case', event({ headers: { 'Content-Type': 'application/json' }, body: '{}' }), () => json(200, { ok: true })],
  ['no claims (401)', event({ claims: null }), () => json(200, {})],
  ['no usable email (401)', event({ claims: { ...CLAIMS, email: '"carol"@example.com' } }), () => json(200, {})],
  ['an unverified email (401)', event({ claims: { ...CLAIMS, email_verified: 'false' } }), () => json(200, {})],
  ['ambiguous groups (401)', event({ claims: { ...CLAIMS, groups: '[a b]' }, headers: { authorization: 'Bearer x' } }), () => json(200, {})],
  ['a token that is not the verified one (401)', event({ headers: { authorization: otherToken } }), () => json(200, {})],
  ['query parameters (400)', event({ query: { scope: 'mine', limit: '3' } }), () => json(200, {})],
  ['a body of another media type (415 as 400)', event({ headers: { 'content-type': 'text/plain' }, body: 'hi' }), () => json(200, {})],
  ['a malformed JSON body (400)', event({ headers: { 'content-type': 'application/json' }, body: '{' }), () => json(200, {})],
  ['an oversized body (400)', event({ headers: { 'content-type': 'application/json' }, body: `"${'x'.repeat(17_000)}"` }), () => json(200, {})],
  ['a 503 from the use case', event(), () => { throw new UnavailableError('the table is unavailable'); }],
  ['a 429 with Retry-After', event(), () => { throw new RateLimitedError('slow down', 7); }],
  ['an unexpected error (500, request id quoted)', event(), () => { throw new TypeError('undefined is not a function'); }],
  ['an unexpected error without an API request id (the context one)', event({ requestId: '' }), () => { throw new Error('boom'); }],
];

describe('leanApiHandler', () => {
  it.each(cases)('%s: the same response as apiHandler, and the same error lines', async (_name, ev, answer) => {
    const leanLines: { level: string; msg: string; fields: LogFields }[] = [];
    const fullLines: typeof leanLines = [];
    const settings = { groupsClaim: 'groups', requireVerifiedEmail: true };
    const lean = leanApiHandler({ settings, logger: recordingLogger(leanLines) }, async ({ caller }) => answer(caller));
    const full = apiHandler(
      { settings: { ...settings, stage: 't', publicBaseUrl: 'https://x.example', issuerPrincipalArns: [] }, logger: recordingLogger(fullLines) },
      { auth: 'jwt' },
      async ({ caller }) => answer(caller),
    );
    const context = { awsRequestId: 'ctx-1', functionName: 'getCatalogue', getRemainingTimeInMillis: () => 5000 };
    const expected = await full(structuredClone(ev), context as never);
    expect(await lean(structuredClone(ev), context)).toEqual(expected);
    // apiHandler also logs one info line per request; the lean edge leaves that to API Gateway's
    // access log. Stack traces differ by the frames of middy, so they are compared by their first line.
    const comparable = (lines: typeof leanLines) =>
      lines.map((l) => {
        const error = l.fields.error as { stack?: string } | undefined;
        return error?.stack ? { ...l, fields: { ...l.fields, error: { ...error, stack: error.stack.split('\n')[0] } } } : l;
      });
    expect(comparable(leanLines)).toEqual(comparable(fullLines.filter((l) => l.msg !== 'request')));
    expect(leanLines.length).toBe(expected.statusCode >= 500 ? 1 : 0);
  });

  it('answers 200 with the use case result and logs nothing on the healthy path', async () => {
    const lines: { level: string; msg: string; fields: LogFields }[] = [];
    const lean = leanApiHandler({ settings: { groupsClaim: 'groups', requireVerifiedEmail: true }, logger: recordingLogger(lines) }, ({ caller }) => json(200, caller));
    const res = await lean(event());
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body!)).toEqual({ sub: 'u-1', email: 'alice@example.com', groups: ['engineers'] });
    expect(res.headers).toMatchObject({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer' });
    expect(lines).toEqual([]);
  });
});
