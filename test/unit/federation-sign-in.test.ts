import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { consoleSessionSeconds, createFederationSignIn } from '../../shared/adapters/federation/console-sign-in';
import { federationEndpoint } from '../../shared/adapters/federation/federation-endpoints';
import { BrokerErrorName } from '../../shared/adapters/aws-errors';
import { UpstreamError, ValidationError } from '../../shared/domain/errors';
import type { IssuedCredentials } from '../../shared/ports';

const NOW = new Date('2025-03-01T10:00:00.000Z');
const clock = { now: () => NOW };
const DESTINATION = 'https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#LoadBalancers:';
const ISSUER = 'https://broker.example.com';

const credentials = (overrides: Partial<IssuedCredentials> = {}): IssuedCredentials => ({
  accessKeyId: 'ASIAEXAMPLEISSUED001',
  secretAccessKey: 'secret/with+chars=',
  sessionToken: 'token+with/slashes==',
  expiration: '2025-03-01T11:00:00.000Z',
  chained: true,
  ...overrides,
});

interface Reply {
  status: number;
  body: string;
}

describe('createFederationSignIn against a loopback federation endpoint', () => {
  let server: Server;
  let endpoint: string;
  let received: { url: URL; method: string }[];
  let reply: Reply;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      received.push({ url: new URL(req.url ?? '/', 'http://127.0.0.1'), method: req.method ?? '' });
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/federation`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received = [];
    reply = { status: 200, body: JSON.stringify({ SigninToken: 'TOKEN/abc+def=' }) };
  });

  const signIn = () =>
    createFederationSignIn({
      endpointFor: (partition) => {
        expect(partition).toBe('aws');
        return endpoint;
      },
      clock,
    });

  it('chained: sends getSigninToken with the Session JSON and no SessionDuration, then builds the login URL', async () => {
    const url = await signIn().signInUrl({ credentials: credentials(), destination: DESTINATION, partition: 'aws', issuer: ISSUER });

    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.method).toBe('GET');
    expect(got.url.pathname).toBe('/federation');
    expect([...got.url.searchParams.keys()]).toEqual(['Action', 'Session']);
    expect(got.url.searchParams.get('Action')).toBe('getSigninToken');
    expect(JSON.parse(got.url.searchParams.get('Session')!)).toEqual({
      sessionId: 'ASIAEXAMPLEISSUED001',
      sessionKey: 'secret/with+chars=',
      sessionToken: 'token+with/slashes==',
    });

    const login = new URL(url);
    expect(`${login.origin}${login.pathname}`).toBe(endpoint);
    expect([...login.searchParams.entries()]).toEqual([
      ['Action', 'login'],
      ['Issuer', ISSUER],
      ['Destination', DESTINATION],
      ['SigninToken', 'TOKEN/abc+def='],
    ]);
    // The destination's own ? and # must be encoded, or they would end the sign-in URL.
    expect(url).toContain(`Destination=${encodeURIComponent(DESTINATION)}`);
  });

  it('user: sends SessionDuration = seconds until the credentials expire', async () => {
    await signIn().signInUrl({
      credentials: credentials({ chained: false, expiration: '2025-03-01T15:00:00.000Z' }),
      destination: DESTINATION,
      partition: 'aws',
      issuer: ISSUER,
    });
    expect(received[0]!.url.searchParams.get('SessionDuration')).toBe('18000');
  });

  it('user: clamps SessionDuration to 900..43200', async () => {
    await signIn().signInUrl({
      credentials: credentials({ chained: false, expiration: '2025-03-01T10:05:00.000Z' }),
      destination: DESTINATION,
      partition: 'aws',
      issuer: ISSUER,
    });
    expect(received[0]!.url.searchParams.get('SessionDuration')).toBe('900');
    expect(consoleSessionSeconds('2025-03-02T10:00:00.000Z', NOW)).toBe(43200);
  });

  it.each([
    [400, BrokerErrorName.UPSTREAM, false],
    [403, BrokerErrorName.UPSTREAM, false],
    [500, BrokerErrorName.TRANSIENT, true],
  ])('maps HTTP %i to FEDERATION_FAILED with the status but not the body', async (status, name, retryable) => {
    reply = { status, body: 'body-with-secret-details' };
    const error = await signIn()
      .signInUrl({ credentials: credentials(), destination: DESTINATION, partition: 'aws', issuer: ISSUER })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'FEDERATION_FAILED', name, retryable });
    expect((error as Error).message).toBe(`The AWS federation endpoint answered HTTP ${status} to getSigninToken`);
  });

  it.each([['{}'], ['not json'], ['{"SigninToken":""}']])('maps a 200 without a SigninToken (%s) to FEDERATION_FAILED', async (body) => {
    reply = { status: 200, body };
    await expect(
      signIn().signInUrl({ credentials: credentials(), destination: DESTINATION, partition: 'aws', issuer: ISSUER }),
    ).rejects.toMatchObject({ code: 'FEDERATION_FAILED', message: 'The AWS federation endpoint answered without a SigninToken' });
  });

  it('maps an unreachable endpoint to a retryable FEDERATION_FAILED without quoting the URL', async () => {
    const dead = createFederationSignIn({ endpointFor: () => 'http://127.0.0.1:1/federation', clock });
    const error = (await dead
      .signInUrl({ credentials: credentials(), destination: DESTINATION, partition: 'aws', issuer: ISSUER })
      .catch((e: unknown) => e)) as UpstreamError;
    expect(error).toMatchObject({ code: 'FEDERATION_FAILED', retryable: true });
    expect(error.message).not.toContain('token+with');
    expect(error.message).not.toContain('127.0.0.1');
  });
});

describe('federationEndpoint', () => {
  it('knows each partition', () => {
    expect(federationEndpoint('aws')).toBe('https://signin.aws.amazon.com/federation');
    expect(federationEndpoint('aws-us-gov')).toBe('https://signin.amazonaws-us-gov.com/federation');
    expect(federationEndpoint('aws-cn')).toBe('https://signin.amazonaws.cn/federation');
  });

  it('refuses an unknown partition', () => {
    expect(() => federationEndpoint('aws-iso')).toThrow(ValidationError);
  });

  it('is the default, so the login URL goes to the partition host', async () => {
    const calls: string[] = [];
    const fakeFetch = (async (url: string | URL | Request) => {
      calls.push(String(url));
      return new Response(JSON.stringify({ SigninToken: 'T' }), { status: 200 });
    }) as typeof fetch;
    const url = await createFederationSignIn({ fetch: fakeFetch, clock }).signInUrl({
      credentials: credentials(),
      destination: 'https://console.amazonaws-us-gov.com/ec2/home?region=us-gov-west-1',
      partition: 'aws-us-gov',
      issuer: ISSUER,
    });
    expect(calls[0]!.startsWith('https://signin.amazonaws-us-gov.com/federation?Action=getSigninToken&Session=')).toBe(true);
    expect(url.startsWith('https://signin.amazonaws-us-gov.com/federation?Action=login&')).toBe(true);
  });
});
