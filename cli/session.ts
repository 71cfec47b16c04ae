import { join } from 'node:path';
import { readJsonFile, writePrivateFile } from './state';

/** How the CLI logs in to an identity provider (saved by `login --issuer ... --client-id ...`). */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scopes: string;
  /** Which token the broker's JWT authorizer expects: the ID token (default) or the access token. */
  tokenType: 'id' | 'access';
}

/** One login to one broker URL. */
export interface Session {
  kind: 'local' | 'oidc';
  /** What goes in `Authorization: Bearer`. */
  token: string;
  /** ISO 8601; from the token's `exp`. */
  expiresAt: string;
  sub: string;
  email: string;
  /** Local mode: the claims to mint a fresh token with when this one expires. */
  local?: { sub: string; email: string; groups: string[] };
  /** OIDC: where the token came from, and the refresh token that renews it silently. */
  oidc?: OidcSettings & { refreshToken?: string };
}

interface SessionsFile {
  /** Keyed by the broker's base URL, so one machine can be logged in to several brokers. */
  sessions: Record<string, Session>;
}

export interface CliConfig {
  oidc?: OidcSettings;
  /** The loopback redirect URI registered with the identity provider's app client. */
  redirectUri?: string;
}

// `home` is the CLI's state directory (brokerHome).
const sessionsFile = (home: string) => join(home, 'sessions.json');
const configFile = (home: string) => join(home, 'config.json');

/** A broker URL as the key of its session: no trailing slash. */
export const normalizeUrl = (url: string) => url.replace(/\/+$/, '');

export function loadSession(home: string, url: string): Session | undefined {
  return readJsonFile<SessionsFile>(sessionsFile(home))?.sessions?.[normalizeUrl(url)];
}

export function saveSession(home: string, url: string, session: Session): void {
  const file = readJsonFile<SessionsFile>(sessionsFile(home)) ?? { sessions: {} };
  file.sessions = { ...(file.sessions ?? {}), [normalizeUrl(url)]: session };
  writePrivateFile(sessionsFile(home), `${JSON.stringify(file, null, 2)}\n`);
}

export function removeSession(home: string, url: string): boolean {
  const file = readJsonFile<SessionsFile>(sessionsFile(home));
  if (!file?.sessions?.[normalizeUrl(url)]) return false;
  delete file.sessions[normalizeUrl(url)];
  writePrivateFile(sessionsFile(home), `${JSON.stringify(file, null, 2)}\n`);
  return true;
}

export function loadConfig(home: string): CliConfig {
  return readJsonFile<CliConfig>(configFile(home)) ?? {};
}

export function saveConfig(home: string, config: CliConfig): void {
  writePrivateFile(configFile(home), `${JSON.stringify(config, null, 2)}\n`);
}

/** The claims of a JWT, read without verifying it (the broker verifies; the CLI only needs `exp`, `sub`, `email`). */
export function jwtClaims(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new Error('the token is not a JWT');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** When a JWT expires, from its `exp` claim. */
export function tokenExpiry(token: string): Date {
  const exp = jwtClaims(token).exp;
  if (typeof exp !== 'number') throw new Error('the token has no exp claim');
  return new Date(exp * 1000);
}
