import { createServer } from 'node:http';
import * as client from 'openid-client';
import { discover, sessionFromTokens } from './auth';
import { CliError, ExitCode } from './exit-codes';
import type { OidcSettings, Session } from './session';

/** Where the identity provider sends the browser back: register exactly this URI with the app client. */
export const DEFAULT_REDIRECT_URI = 'http://localhost:8250/callback';

const PAGE = (title: string, text: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:3rem"><h1>${title}</h1><p>${text}</p></body></html>`;

/**
 * OpenID Connect authorization code flow with PKCE (S256) and a loopback redirect (RFC 8252):
 * a one-shot HTTP server on 127.0.0.1 receives the code, checked against the state and nonce
 * made here, and trades it for tokens. The client is public: there is no secret to steal.
 */
export async function oidcLogin(options: {
  settings: OidcSettings;
  redirectUri: string;
  /** Shows the URL to the person (and opens their browser unless told not to). */
  present: (authorizationUrl: string) => Promise<void>;
  timeoutMs?: number;
}): Promise<Session> {
  const redirect = new URL(options.redirectUri);
  if (redirect.protocol !== 'http:' || !['localhost', '127.0.0.1'].includes(redirect.hostname) || !redirect.port) {
    throw new CliError(`--redirect-uri must be http://localhost:PORT/... or http://127.0.0.1:PORT/... (got ${options.redirectUri})`, ExitCode.USAGE);
  }
  const config = await discover(options.settings);
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri,
    scope: options.settings.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  let settle!: { resolve: (url: URL) => void; reject: (e: Error) => void };
  const callback = new Promise<URL>((resolve, reject) => (settle = { resolve, reject }));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', options.redirectUri);
    if (url.pathname !== redirect.pathname) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    const error = url.searchParams.get('error');
    res.writeHead(error ? 400 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(error ? PAGE('Login failed', 'The identity provider refused the login; see the terminal.') : PAGE('Logged in', 'You can close this tab and return to the terminal.'));
    settle.resolve(url);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new CliError(`Cannot listen on ${redirect.host} for the login redirect: ${e.code ?? e.message}`, ExitCode.ERROR, 'REDIRECT_PORT_BUSY')),
    );
    server.listen(Number(redirect.port), '127.0.0.1', () => resolve());
  });
  const timer = setTimeout(() => settle.reject(new CliError('Login timed out: no answer from the browser', ExitCode.AUTH, 'LOGIN_TIMEOUT')), options.timeoutMs ?? 300_000);
  try {
    await options.present(authorizationUrl.href);
    const returned = await callback;
    const error = returned.searchParams.get('error');
    if (error) {
      throw new CliError(`The identity provider refused the login: ${error}${returned.searchParams.get('error_description') ? ` (${returned.searchParams.get('error_description')})` : ''}`, ExitCode.AUTH, 'LOGIN_REFUSED');
    }
    let tokens;
    try {
      tokens = await client.authorizationCodeGrant(config, returned, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    } catch (e) {
      throw new CliError(`Login failed: ${(e as Error).message}`, ExitCode.AUTH, 'LOGIN_FAILED');
    }
    return sessionFromTokens(options.settings, tokens);
  } finally {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  }
}
