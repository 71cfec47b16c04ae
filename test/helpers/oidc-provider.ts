import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

/** A person the test identity provider logs in without asking (the test plays the browser). */
export interface OidcPerson {
  sub: string;
  email: string;
  groups: string[];
}

/** A free TCP port on 127.0.0.1 (for a redirect URI that must be registered before the CLI listens on it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1, with one public
 * native client that must use PKCE, refresh tokens, and ID tokens that carry email,
 * email_verified and groups (as Cognito, Okta or Entra ID can be set up to). Its login page
 * signs in `person` at once: the test drives the redirects as a browser would.
 */
export async function startOidcProvider(options: { clientId: string; redirectUri: string; person: OidcPerson }) {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const grants: string[] = [];
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'test-idp-key', alg: 'RS256', use: 'sig' }] },
    clients: [
      {
        client_id: options.clientId,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], groups: ['groups'] },
    scopes: ['openid', 'offline_access', 'email', 'groups'],
    // ID tokens carry the scopes' claims (the broker reads them from the token, not /userinfo).
    conformIdTokenClaims: false,
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, email: options.person.email, email_verified: true, groups: options.person.groups }),
    }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    // Like Cognito and Okta with offline_access: a refresh token on every code exchange (oidc-provider
    // would otherwise want prompt=consent, which makes real IdPs ask for consent at every login).
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    cookies: { keys: ['test-cookie-key'] },
    ttl: { Session: 3600, Interaction: 600, Grant: 86_400, AccessToken: 3600, IdToken: 3600, RefreshToken: 86_400 },
  });
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type: string } } }) => grants.push(ctx.oidc.params.grant_type));
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const m = /^\/interaction\/([^/?]+)/.exec(req.url ?? '');
    if (!m) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: options.person.sub, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: options.person.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  return {
    issuer,
    /** Token endpoint grants that succeeded, in order (authorization_code, refresh_token). */
    grants,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/**
 * Plays the browser: opens the authorization URL and follows redirects (keeping cookies) until
 * the identity provider sends it to the CLI's loopback redirect, then loads that page.
 */
export async function browseLogin(authorizationUrl: string, redirectUri: string): Promise<{ status: number; body: string }> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(redirectUri.replace(/\/callback$/, ''))) {
      const res = await fetch(url);
      return { status: res.status, body: await res.text() };
    }
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`the identity provider stopped at ${url} with ${res.status}: ${await res.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}
