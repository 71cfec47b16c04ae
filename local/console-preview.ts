import { randomBytes } from 'node:crypto';
import { consoleSessionSeconds } from '../shared/adapters/federation/console-sign-in';
import { federationEndpoint } from '../shared/adapters/federation/federation-endpoints';
import { BrokerErrorName, upstreamError } from '../shared/adapters/sts/error-names';
import type { Clock, ConsoleSignIn, ConsoleUrlInput } from '../shared/ports';
import type { AssumeRoleRecord } from './sts-standin';
import { escapeHtml } from '../shared/http/html';

/** A real sign-in URL is valid for 15 minutes; the preview link lives as long. */
export const CONSOLE_PREVIEW_TTL_SECONDS = 900;

/** Everything a real federated sign-in would carry, minus the secrets. */
export interface ConsolePreviewInfo {
  sessionId: string;
  partition: string;
  /** The host the real URL would go to, e.g. signin.aws.amazon.com. */
  signInHost: string;
  issuer: string;
  destination: string;
  chained: boolean;
  /** SessionDuration the real getSigninToken call would send; undefined for role-chained credentials (AWS answers 400 to it). */
  sessionDurationSeconds?: number;
  accessKeyId: string;
  credentialsExpireAt: string;
  linkExpiresAt: string;
  /** From the STS stand-in's record of the AssumeRole call, when it still has one. */
  assumeRole?: AssumeRoleRecord;
}

export interface LocalConsolePreview extends ConsoleSignIn {
  /** The preview behind an id, or undefined when unknown or older than 15 minutes. */
  session(sessionId: string): ConsolePreviewInfo | undefined;
  /** A whole response for GET /_local/console?session=<id>, ready to send. */
  page(sessionId: string | undefined): { statusCode: number; headers: Record<string, string>; body: string };
}

export interface LocalConsolePreviewDeps {
  /** The local server's base URL, e.g. http://localhost:3000. */
  baseUrl: string;
  /** Usually the STS stand-in's lastAssumeRole. */
  lookup?: (accessKeyId: string) => AssumeRoleRecord | undefined;
  clock?: Clock;
}

/**
 * Local mode's ConsoleSignIn: instead of calling AWS federation it remembers what the
 * real URL would carry and hands out a link to a page showing it. The link holds an
 * opaque random id, never credentials.
 */
export function createLocalConsolePreview(deps: LocalConsolePreviewDeps): LocalConsolePreview {
  const baseUrl = deps.baseUrl.replace(/\/+$/, '');
  const now = () => (deps.clock ? deps.clock.now() : new Date());
  const sessions = new Map<string, ConsolePreviewInfo>();

  const purgeExpired = () => {
    const t = now().getTime();
    for (const [id, info] of sessions) if (Date.parse(info.linkExpiresAt) <= t) sessions.delete(id);
  };
  const session = (sessionId: string): ConsolePreviewInfo | undefined => {
    purgeExpired();
    return sessions.get(sessionId);
  };

  return {
    async signInUrl(input: ConsoleUrlInput): Promise<string> {
      // The same checks the real path would hit: unknown partition, odd destination, dead credentials.
      const endpoint = new URL(federationEndpoint(input.partition));
      if (!/^https:\/\//.test(input.destination)) {
        throw upstreamError('FEDERATION_FAILED', 'The console destination must be an https URL', BrokerErrorName.UPSTREAM);
      }
      const at = now();
      const { credentials } = input;
      if (Date.parse(credentials.expiration) <= at.getTime()) {
        throw upstreamError('FEDERATION_FAILED', 'The AWS federation endpoint answered HTTP 400 to getSigninToken', BrokerErrorName.UPSTREAM);
      }
      purgeExpired();
      const sessionId = randomBytes(18).toString('base64url');
      const record = deps.lookup?.(credentials.accessKeyId);
      sessions.set(sessionId, {
        sessionId,
        partition: input.partition,
        signInHost: endpoint.host,
        issuer: input.issuer,
        destination: input.destination,
        chained: credentials.chained,
        ...(credentials.chained ? {} : { sessionDurationSeconds: consoleSessionSeconds(credentials.expiration, at) }),
        accessKeyId: credentials.accessKeyId,
        credentialsExpireAt: credentials.expiration,
        linkExpiresAt: new Date(at.getTime() + CONSOLE_PREVIEW_TTL_SECONDS * 1000).toISOString(),
        ...(record ? { assumeRole: record } : {}),
      });
      return `${baseUrl}/_local/console?session=${encodeURIComponent(sessionId)}`;
    },

    session,

    page(sessionId) {
      const headers = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
      const info = sessionId ? session(sessionId) : undefined;
      if (!info) {
        return {
          statusCode: 404,
          headers,
          body: htmlPage(
            'Console preview not found',
            '<p>This local console link is unknown or older than 15 minutes (a real sign-in URL expires as fast). Ask the broker for a new one.</p>',
          ),
        };
      }
      return { statusCode: 200, headers, body: renderConsolePreview(info) };
    },
  };
}

function prettyPolicy(policy: string): string {
  try {
    return JSON.stringify(JSON.parse(policy), null, 2);
  } catch {
    return policy;
  }
}

/** The preview page: what the real console sign-in would carry. Every value is escaped. */
export function renderConsolePreview(info: ConsolePreviewInfo): string {
  const a = info.assumeRole;
  const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${escapeHtml(value)}</td></tr>`;
  const rows = [
    row('Role', a?.roleArn ?? '(unknown: the STS stand-in no longer has this session)'),
    row('Account', a?.account ?? '(unknown)'),
    ...(a ? [row('Target', a.target), row('Services', a.services.join(', '))] : []),
    ...(a ? [row('Role session name', a.roleSessionName), row('Source identity', a.sourceIdentity)] : []),
    ...(a ? [row('Session tags', a.tags.map((t) => `${t.Key}=${t.Value}`).join(', '))] : []),
    ...(a ? [row('ExternalId sent', a.externalIdSent ? 'yes' : 'no')] : []),
    row('Issuer mode', info.chained ? 'chained (role chaining: at most 1 hour)' : 'user (IAM user key)'),
    row('Destination', info.destination),
    row('Sign-in host', info.signInHost),
    row('Issuer', info.issuer),
    row(
      'SessionDuration',
      info.sessionDurationSeconds === undefined
        ? 'not sent (role-chained credentials; AWS answers 400 if it is)'
        : `${info.sessionDurationSeconds} s`,
    ),
    row('Access key id', info.accessKeyId),
    row('Credentials expire', info.credentialsExpireAt),
    row('This link expires', info.linkExpiresAt),
  ];
  const policy = a
    ? `<h2>Session policy</h2><pre>${escapeHtml(prettyPolicy(a.sessionPolicy))}</pre>`
    : '';
  const body =
    '<p class="banner">Local mode: no AWS sign-in happens. This page shows what the real federated console URL would carry.</p>' +
    `<p><a href="${escapeHtml(info.destination)}" rel="noreferrer">${escapeHtml(info.destination)}</a></p>` +
    `<table>${rows.join('')}</table>${policy}`;
  return htmlPage('AWS console sign-in (local preview)', body);
}

function htmlPage(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="robots" content="noindex">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}' +
    'th{text-align:left;padding-right:1rem;vertical-align:top}pre{background:#f4f4f4;padding:1rem;overflow:auto}' +
    '.banner{background:#fff3cd;padding:.75rem;border:1px solid #e0c060}</style></head>' +
    `<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
  );
}
