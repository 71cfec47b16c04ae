import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStartArgs, startFromArgs } from '../../local/start-command';
import { startTestBroker, type TestBroker } from '../helpers/broker';
import { cliUser, type CliUser } from '../helpers/cli';
import { browseLogin, freePort, startOidcProvider } from '../helpers/oidc-provider';

const CLIENT_ID = 'access-broker-cli';

describe('login against a real OpenID Connect provider, and local mode trusting it (--issuer/--audience)', { timeout: 90_000 }, () => {
  let idp: Awaited<ReturnType<typeof startOidcProvider>>;
  let t: TestBroker;
  let alice: CliUser;
  let redirectUri = '';

  beforeAll(async () => {
    redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    idp = await startOidcProvider({ clientId: CLIENT_ID, redirectUri, person: { sub: 'alice-idp-1', email: 'alice@example.com', groups: ['engineers'] } });
    t = await startTestBroker({ tokenIssuer: { issuer: idp.issuer, audience: CLIENT_ID } });
    alice = cliUser(t.broker.baseUrl);
  });
  afterAll(async () => {
    alice?.cleanup();
    await t?.broker.close();
    await idp?.close();
  });

  const sessionsFile = () => join(alice.env.ACCESS_BROKER_HOME!, 'sessions.json');
  const session = () => (JSON.parse(readFileSync(sessionsFile(), 'utf8')) as { sessions: Record<string, { token: string; expiresAt: string; oidc?: { refreshToken?: string } }> }).sessions[t.broker.baseUrl]!;

  it('logs in with the authorization code flow, PKCE (S256) and a loopback redirect', async () => {
    const login = alice.start(['login', '--issuer', idp.issuer, '--client-id', CLIENT_ID, '--scopes', 'openid email groups offline_access', '--redirect-uri', redirectUri, '--no-browser']);
    let authUrl: string | undefined;
    for (let i = 0; i < 500 && !authUrl; i++) {
      authUrl = /Log in at: (\S+)/.exec(login.output().stderr)?.[1];
      if (!authUrl) await new Promise((r) => setTimeout(r, 20));
    }
    expect(authUrl).toBeDefined();
    const params = new URL(authUrl!).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(params.get('redirect_uri')).toBe(redirectUri);
    expect(params.get('state')).toBeTruthy();
    const page = await browseLogin(authUrl!, redirectUri);
    expect(page).toMatchObject({ status: 200 });
    expect(page.body).toContain('Logged in');
    const done = await login.done;
    expect(done.stderr).not.toContain('access-broker:');
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('as alice@example.com');
    expect(done.stdout).toContain('refreshed automatically');
    expect(idp.grants).toEqual(['authorization_code']);
    expect(session().oidc?.refreshToken).toBeTruthy();
  });

  it('local mode accepts the provider\'s token: the CLI lists targets and submits a request', async () => {
    const targets = await alice.run(['targets']);
    expect(targets.code).toBe(0);
    expect(targets.stdout).toContain('sandbox-readonly');
    const created = await alice.run(['request', '--target', 'sandbox-readonly', '--services', 'ec2', '--duration', '1h', '--reason', 'Checking the IdP login end to end', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ request: { requester: { sub: 'alice-idp-1', email: 'alice@example.com' }, status: 'PENDING' } });
  });

  it('refreshes the token silently with the refresh token when it is about to expire', async () => {
    const before = session();
    // The token is about to expire; a stale token in its place shows the session was replaced.
    // (A refresh in the same second as the login can mint a byte-identical token.)
    writeFileSync(sessionsFile(), JSON.stringify({ sessions: { [t.broker.baseUrl]: { ...before, token: 'x.e30.x', expiresAt: new Date(Date.now() + 30_000).toISOString() } } }));
    const list = await alice.run(['list', '--json']);
    expect(list.code).toBe(0);
    expect(idp.grants).toEqual(['authorization_code', 'refresh_token']);
    const after = session();
    expect(after.token).not.toBe('x.e30.x');
    expect(after.token.split('.')).toHaveLength(3);
    expect(Date.parse(after.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    // the next command uses the renewed token without another refresh
    await alice.run(['list']);
    expect(idp.grants).toHaveLength(2);
  });

  it('refuses tokens the authorizer would refuse: the local dev IdP\'s, and /_local/token is off', async () => {
    const local = await t.call('GET', '/catalogue', { as: 'alice' });
    expect(local.status).toBe(401);
    const off = await alice.run(['login', '--local', '--sub', 'alice', '--email', 'alice@example.com']);
    expect(off.code).toBe(4);
    expect(off.stderr).toContain(`this broker verifies tokens from ${idp.issuer}`);
  });

  it('`npm start -- --issuer URL --audience AUD` accepts the same token', async () => {
    // what local/start.ts runs for `npm start`, on a free port
    const started = await startFromArgs(['--port', '0', '--issuer', idp.issuer, '--audience', CLIENT_ID], { LOG_LEVEL: 'error' });
    if (!('broker' in started)) throw new Error('npm start printed its help instead of starting');
    try {
      const url = /listening on (http:\/\/localhost:\d+)/.exec(started.banner)?.[1];
      expect(url).toBe(`http://localhost:${started.broker.port}`);
      expect(started.banner).toContain(`tokens:    from ${idp.issuer} (audience ${CLIENT_ID}, groups claim groups)`);
      // a target over an account set names its accounts
      expect(started.banner).toMatch(/team-readonly \(333333333333, 444444444444[^)]*, max 2h/);
      expect(started.banner).not.toContain('undefined');
      expect(started.banner).toContain(`npx access-broker --url ${url} login --issuer ${idp.issuer} --client-id ${CLIENT_ID}`);
      // the CLI's session, pointed at the second broker: the same provider's token
      const s = session();
      writeFileSync(sessionsFile(), JSON.stringify({ sessions: { [t.broker.baseUrl]: s, [url!]: s } }));
      const targets = await alice.run(['--url', url!, 'targets', '--json']);
      expect(targets.code).toBe(0);
      expect((JSON.parse(targets.stdout) as { targets: { id: string }[] }).targets.map((x) => x.id)).toContain('sandbox-readonly');
      const local = await fetch(`${url}/_local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sub":"a","email":"a@example.com"}' });
      expect(local.status).toBe(404);
    } finally {
      await started.broker.close();
    }
  });

  it('`npm start` refuses options that do not fit, naming the option', () => {
    expect(() => parseStartArgs(['--issuer', idp.issuer], {})).toThrow('--issuer and --audience go together');
    expect(() => parseStartArgs(['--issuer', 'http://idp.example.com', '--audience', 'x'], {})).toThrow('--issuer must be an https URL');
    expect(() => parseStartArgs(['--port', '70000'], {})).toThrow('--port/PORT must be a port number, got "70000"');
    expect(() => parseStartArgs([], { PORT: 'eighty' })).toThrow('--port/PORT must be a port number, got "eighty"');
    expect(() => parseStartArgs(['--time-scale', '0'], {})).toThrow('--time-scale must be a number in (0, 1], got "0"');
    expect(() => parseStartArgs(['--colour'], {})).toThrow("Unknown option '--colour'");
    expect(parseStartArgs(['--help'], {})).toEqual({ help: true });
    expect(parseStartArgs([], { PORT: '8080', BROKER_ISSUER: 'aws' })).toEqual({ help: false, options: { port: 8080, timeScale: 1, issuer: 'aws', logLevel: 'warn' } });
  });

  it('an expired login that cannot be refreshed exits 3 with what to do', async () => {
    const s = session();
    writeFileSync(sessionsFile(), JSON.stringify({ sessions: { [t.broker.baseUrl]: { ...s, expiresAt: new Date(Date.now() - 1000).toISOString(), oidc: { ...s.oidc, refreshToken: 'revoked-or-unknown' } } } }));
    const r = await alice.run(['list']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has expired and could not be refreshed');
    expect(r.stderr).toContain('run `access-broker login`');
  });
});
