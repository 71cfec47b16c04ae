import type { ServerResponse } from 'node:http';
import * as z from 'zod';
import { ValidationError } from '../shared/domain/errors';
import { errorBody } from '../shared/http/error-response';
import { zodDetails } from '../shared/http/validation';
import { escapeHtml } from '../shared/http/html';
import type { LocalIamStandin } from './iam-standin';
import type { LocalIdp } from './jwt';
import { tokenRequestSchema } from './jwt';
import type { Outbox, OutboxMessage } from './outbox';
import type { LocalRoute } from './server';

/** Local pages carry only inline CSS and links: nothing may run or frame them. */
const LOCAL_PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8', extra: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...LOCAL_PAGE_HEADERS, ...extra });
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body));

function parseJsonBody(body: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8') || '{}') as unknown };
  } catch (e) {
    return { ok: false, message: `body is not valid JSON: ${(e as Error).message}` };
  }
}

/** Plain text with its http(s) URLs made clickable, everything else escaped. */
function linkify(text: string): string {
  return text
    .split(/(https?:\/\/[^\s]+)/g)
    .map((part, i) => (i % 2 === 1 ? `<a href="${escapeHtml(part)}">${escapeHtml(part)}</a>` : escapeHtml(part)))
    .join('');
}

function plainBody(m: OutboxMessage): string {
  if (m.structure !== 'json') return m.message;
  try {
    const doc = JSON.parse(m.message) as { email?: string; default?: string };
    return doc.email ?? doc.default ?? m.message;
  } catch {
    return m.message;
  }
}

export function mailPage(messages: readonly OutboxMessage[]): string {
  const items = [...messages]
    .reverse()
    .map(
      (m) =>
        `<article><h2>${escapeHtml(m.subject)}</h2><p class="meta">${escapeHtml(m.at)} · topic <b>${escapeHtml(m.topic)}</b> · ` +
        `${Object.entries(m.attributes).map(([k, v]) => `${escapeHtml(k)}=<code>${escapeHtml(v)}</code>`).join(' ')}</p>` +
        `<pre>${linkify(plainBody(m))}</pre></article>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Local mail · Access Broker</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:50rem;margin:0 auto;padding:1rem;background:#f6f7f9}
article{background:#fff;border:1px solid #d0d7de;border-radius:.5rem;padding:1rem;margin:1rem 0}h2{font-size:1.1rem;margin:0}
.meta{color:#57606a;font-size:.85rem}pre{white-space:pre-wrap;overflow-wrap:anywhere}</style></head>
<body><h1>Local mail (${messages.length})</h1><p>Every SNS publish of the local broker, newest first. Approval links open the real approval page.</p>${items || '<p>No messages yet.</p>'}</body></html>`;
}

/** The /_local/ routes (docs/api.md, "Local-only routes") that do not depend on the alerting rules. */
export function baseLocalRoutes(args: { idp: LocalIdp; outbox: Outbox; iam: Pick<LocalIamStandin, 'view'>; consolePage: (session: string | undefined) => { statusCode: number; headers: Record<string, string>; body: string } }): Record<string, LocalRoute> {
  const { idp, outbox } = args;
  return {
    'POST /_local/token': async ({ body, res }) => {
      const parsed = parseJsonBody(body);
      if (!parsed.ok) return sendJson(res, 400, errorBody(new ValidationError(parsed.message, [], 'MALFORMED_JSON')));
      const claims = tokenRequestSchema.safeParse(parsed.value);
      if (!claims.success) {
        return sendJson(res, 400, errorBody(new ValidationError('Invalid token request', zodDetails(claims.error))));
      }
      sendJson(res, 200, { token: await idp.mint(claims.data), expiresIn: claims.data.expiresIn });
    },
    'GET /_local/jwks.json': async ({ res }) => sendJson(res, 200, await idp.jwks()),
    'GET /_local/outbox': async ({ url, res }) => {
      const topic = z.enum(['approvals', 'notifications', 'alarms']).optional().safeParse(url.searchParams.get('topic') ?? undefined);
      const messages = outbox.messages().filter((m) => !topic.success || !topic.data || m.topic === topic.data);
      sendJson(res, 200, { messages });
    },
    // The IAM stand-in's view of the target roles: {roles: {<roleArn>: {inlinePolicies: {<name>: <document>}}}}.
    'GET /_local/iam': async ({ res }) => sendJson(res, 200, args.iam.view()),
    'GET /_local/mail': async ({ res }) => send(res, 200, mailPage(outbox.messages()), 'text/html; charset=utf-8'),
    'GET /_local/console': async ({ url, res }) => {
      const page = args.consolePage(url.searchParams.get('session') ?? undefined);
      res.writeHead(page.statusCode, page.headers);
      res.end(page.body);
    },
  };
}

export { send, sendJson, parseJsonBody };
