import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { readJsonFile, removeFile, writePrivateFile } from './state';

/** Cached credentials are used until this long before they expire (the AWS SDKs refresh at about the same margin). */
export const CACHE_MARGIN_MS = 5 * 60_000;

/** The credential_process document the AWS CLI and SDKs read. */
export interface ProcessCredentials {
  Version: 1;
  AccessKeyId: string;
  SecretAccessKey: string;
  SessionToken: string;
  Expiration: string;
}

/** One cache file: the credentials, the target's region and the request id (for `exec`). */
export interface CachedCredentials {
  credentials: ProcessCredentials;
  region?: string;
  /** The request they belong to (the cache key may be a target id). */
  requestId?: string;
}

function cacheFile(home: string, url: string, sub: string, requestId: string): string {
  // `requestId` may also be a target id (profiles that follow the newest ACTIVE request).
  const key = createHash('sha256').update(`${url}\n${sub}\n${requestId}`).digest('hex').slice(0, 32);
  return join(home, 'cache', 'credentials', `${key}.json`);
}

/**
 * The local credential cache (files 0600 under $ACCESS_BROKER_HOME/cache): one file per broker,
 * person and request, so an `aws` command costs no API call while the credentials have more
 * than 5 minutes left.
 */
export const credentialCache = (home: string) => ({
  get(url: string, sub: string, requestId: string, now = new Date()): CachedCredentials | undefined {
    const cached = readJsonFile<CachedCredentials>(cacheFile(home, url, sub, requestId));
    const expiration = cached?.credentials?.Expiration;
    if (!expiration || !cached.credentials.AccessKeyId) return undefined;
    return Date.parse(expiration) - now.getTime() > CACHE_MARGIN_MS ? cached : undefined;
  },
  put(url: string, sub: string, requestId: string, entry: CachedCredentials): void {
    writePrivateFile(cacheFile(home, url, sub, requestId), `${JSON.stringify(entry)}\n`);
  },
  /** Forgets a request's credentials (after revoke or cancel, or when the broker says they are gone). */
  drop(url: string, sub: string, requestId: string): void {
    removeFile(cacheFile(home, url, sub, requestId));
  },
});

export type CredentialCache = ReturnType<typeof credentialCache>;
