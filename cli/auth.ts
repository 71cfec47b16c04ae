import * as client from 'openid-client';
import { CliError, ExitCode } from './exit-codes';
import { httpRequest, jsonObjectOf } from './http';
import { jwtClaims, loadSession, saveSession, tokenExpiry, type OidcSettings, type Session } from './session';

/** A token this close to its expiry is renewed before use. */
const RENEW_MARGIN_MS = 60_000;

const notLoggedIn = (url: string) =>
  new CliError(`Not logged in to ${url}: run \`access-broker login\` (or \`access-broker login --local\` for local mode)`, ExitCode.AUTH, 'NOT_LOGGED_IN');

/** http is allowed only for an issuer on this machine (a test or local IdP); any other issuer must be https. */
export function isLoopbackUrl(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * The broker's base URL, without a trailing slash. It carries the bearer token out and AWS
 * credentials back, so it must be https; http only for a broker on this machine (local mode).
 */
export function brokerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CliError(`--url must be a URL such as https://abc123.execute-api.eu-west-1.amazonaws.com (got ${raw})`, ExitCode.USAGE);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    throw new CliError(`--url must be https (http only for a broker on this machine): your token and AWS credentials would travel in clear text (got ${raw})`, ExitCode.USAGE);
  }
  return raw.replace(/\/+$/, '');
}

/** OpenID discovery of `issuer`, for a public client (no secret: PKCE protects the code). */
export async function discover(settings: Pick<OidcSettings, 'issuer' | 'clientId'>): Promise<client.Configuration> {
  const issuer = new URL(settings.issuer);
  if (issuer.protocol !== 'https:' && !isLoopbackUrl(issuer)) {
    throw new CliError(`--issuer must be an https URL (got ${settings.issuer})`, ExitCode.USAGE);
  }
  try {
    return await client.discovery(issuer, settings.clientId, undefined, client.None(), issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : undefined);
  } catch (e) {
    throw new CliError(`OpenID discovery of ${settings.issuer} failed: ${(e as Error).message}`, ExitCode.AUTH, 'DISCOVERY_FAILED');
  }
}

/** A session from an OIDC token response: the token the broker expects, its expiry and the refresh token. */
export function sessionFromTokens(settings: OidcSettings, tokens: { id_token?: string; access_token: string; refresh_token?: string }, previousRefresh?: string): Session {
  const token = settings.tokenType === 'access' ? tokens.access_token : tokens.id_token;
  if (!token) throw new CliError(`The identity provider returned no ${settings.tokenType === 'access' ? 'access' : 'ID'} token (is "openid" among the scopes?)`, ExitCode.AUTH);
  const claims = jwtClaims(token);
  const refreshToken = tokens.refresh_token ?? previousRefresh;
  return {
    kind: 'oidc',
    token,
    expiresAt: tokenExpiry(token).toISOString(),
    sub: String(claims.sub ?? ''),
    email: String(claims.email ?? ''),
    oidc: { ...settings, ...(refreshToken ? { refreshToken } : {}) },
  };
}

async function renew(url: string, session: Session): Promise<Session> {
  if (session.kind === 'local' && session.local) {
    const res = await httpRequest(`${url}/_local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(session.local),
    }).catch(() => undefined);
    const token = res?.ok ? jsonObjectOf(res).token : undefined;
    if (typeof token !== 'string' || !token) {
      throw new CliError(`Your local login to ${url} has expired and local mode did not renew it: run \`access-broker login --local\``, ExitCode.AUTH, 'LOGIN_EXPIRED');
    }
    return { ...session, token, expiresAt: tokenExpiry(token).toISOString() };
  }
  const refreshToken = session.oidc?.refreshToken;
  if (session.kind === 'oidc' && session.oidc && refreshToken) {
    try {
      const config = await discover(session.oidc);
      const tokens = await client.refreshTokenGrant(config, refreshToken);
      return sessionFromTokens(session.oidc, tokens, refreshToken);
    } catch (e) {
      throw new CliError(
        `Your login to ${url} has expired and could not be refreshed (${(e as Error).message}): run \`access-broker login\``,
        ExitCode.AUTH,
        'LOGIN_EXPIRED',
      );
    }
  }
  throw new CliError(`Your login to ${url} has expired: run \`access-broker login\``, ExitCode.AUTH, 'LOGIN_EXPIRED');
}

/**
 * The bearer token for `url`: the cached one while it has more than a minute left, else a
 * renewed one (refresh token, or a fresh local token), saved for the next command.
 */
export async function bearerToken(home: string, url: string, now = new Date()): Promise<string> {
  const session = loadSession(home, url);
  if (!session) throw notLoggedIn(url);
  if (Date.parse(session.expiresAt) - now.getTime() > RENEW_MARGIN_MS) return session.token;
  const renewed = await renew(url, session);
  saveSession(home, url, renewed);
  return renewed.token;
}
