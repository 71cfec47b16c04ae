import { randomBytes } from 'node:crypto';
import { formatDuration } from '../domain/duration';
import type { AccessRequest, Extension } from '../domain/request';
import { describeStart } from '../domain/schedule';
import type { ApprovalContext, LinkAnswer } from '../usecases/approvals';
import type { ServicePermissions } from '../notifications/permissions';
import { quoteLines } from '../notifications/quote';
import { escapeHtml } from './html';
import { html, type HttpResult } from './responses';


const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1b1f24}
main{max-width:40rem;margin:0 auto;padding:1.25rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.35rem 1rem;background:#fff;padding:1rem;border-radius:.5rem;border:1px solid #d0d7de}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
label{display:block;margin:1rem 0 .25rem;font-weight:600}
input[type=text]{width:100%;box-sizing:border-box;font:inherit;padding:.6rem .5rem;border:1px solid #8c959f;border-radius:.375rem}
details{margin-top:1rem;background:#fff;padding:.75rem 1rem;border-radius:.5rem;border:1px solid #d0d7de}
summary{font-weight:600;cursor:pointer}details ul{margin:.5rem 0 0;padding-left:1.25rem}details li{margin:.35rem 0}
details code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem;overflow-wrap:anywhere}
.words{margin-top:1rem;padding:.75rem 1rem;background:#fff8e6;border:1px solid #d4a72c;border-radius:.5rem}
.words h2{font-size:1rem;margin:0 0 .5rem}.words p{margin:.5rem 0 .25rem;font-weight:600}
blockquote{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem;overflow-wrap:anywhere}
blockquote bdi{display:block}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
button{font:inherit;font-weight:600;padding:.75rem 1.5rem;border-radius:.375rem;border:2px solid transparent;cursor:pointer;min-width:8rem}
button:focus-visible{outline:3px solid #0969da;outline-offset:2px}
.approve{background:#1a7f37;color:#fff}.deny{background:#fff;color:#a40e26;border-color:#a40e26}
.notice{padding:1rem;border-radius:.5rem;background:#fff;border-left:.4rem solid #0969da}
.notice.bad{border-color:#a40e26}.notice.good{border-color:#1a7f37}
@media (max-width:30rem){dl{grid-template-columns:1fr}dt{margin-top:.5rem}}
`;

function page(title: string, content: string, status: number): HttpResult {
  const nonce = randomBytes(16).toString('base64');
  return html(
    status,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
      `<meta name="robots" content="noindex,nofollow"><title>${escapeHtml(title)} · Access Broker</title><style nonce="${nonce}">${STYLE}</style></head>` +
      `<body><main>${content}</main></body></html>`,
    nonce,
  );
}

/** What the broker itself recorded and checked: shown before anything the requester wrote. */
function summary(request: AccessRequest, serviceNames: string[], targetDescription?: string, extension?: Extension, now: Date = new Date()): string {
  const rows: [string, string][] = [
    ...(extension ? ([['Extension', `of request ${request.id}, from ${extension.from} to ${extension.to}`]] as [string, string][]) : []),
    ...(request.breakGlass ? ([['Break-glass', `active without approval; review ${request.review?.status ?? 'pending'}, due ${request.review?.dueAt ?? '?'}`]] as [string, string][]) : []),
    ['Request', request.id],
    ['Requester', request.requester.email],
    ['Target', `${request.target}${targetDescription ? ` (${targetDescription})` : ''}`],
    ['Account', request.account],
    ['Role', request.roleArn],
    ['Services', serviceNames.join(', ')],
    ['Duration', formatDuration(request.durationSeconds)],
    ...(request.startsAt && !request.expiresAt ? ([['Starts', describeStart(request.startsAt, now)]] as [string, string][]) : []),
    ...(request.expiresAt ? ([['Window', `${request.startsAt ?? '?'} to ${request.expiresAt}`]] as [string, string][]) : []),
    ['Approvals', `${request.approvals.filter((a) => a.decision === 'approve').length} of ${request.approvalsRequired}`],
    ['Status', request.status],
  ];
  return `<dl>${rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/**
 * The exact permissions approving grants (the session policy, per service), collapsed by default:
 * the summary says how many actions in how many services; opening it lists each.
 */
function permissionsSection(permissions: readonly ServicePermissions[]): string {
  const actions = permissions.reduce((n, p) => n + p.actions.length, 0);
  const code = (items: readonly string[]) => items.map((i) => `<code>${escapeHtml(i)}</code>`).join(', ');
  return (
    `<details id="permissions"><summary>Exact permissions: ${actions} action${actions === 1 ? '' : 's'} in ${permissions.length} service${permissions.length === 1 ? '' : 's'}</summary><ul>` +
    permissions
      .map((p) => `<li><strong>${escapeHtml(p.name)}</strong>: ${code(p.actions)} on ${code(p.resources)}${p.condition ? ` when ${code([p.condition])}` : ''}</li>`)
      .join('') +
    `</ul></details>`
  );
}

/** Quoted lines, each isolated (bdi) so right-to-left text cannot reorder what surrounds it. */
const quoted = (text: string): string =>
  `<blockquote>${quoteLines(text).map((line) => `<bdi>${escapeHtml(line)}</bdi>`).join('')}</blockquote>`;

/** The requester's own text, after the broker's facts, in a box that says whose words they are. */
function requesterWords(request: Pick<AccessRequest, 'reason' | 'ticket'>): string {
  return (
    `<section class="words" aria-labelledby="words-heading"><h2 id="words-heading">Written by the requester, not by the broker</h2>` +
    `<p>Requester's reason (their words):</p>${quoted(request.reason)}` +
    `<p>Requester's ticket (their words):</p>${request.ticket ? quoted(request.ticket) : '<blockquote>(none given)</blockquote>'}` +
    `</section>`
  );
}

/** The confirmation page: a summary and a form that POSTs the decision back to the same URL. */
export function confirmationPage(ctx: ApprovalContext, now: Date = new Date()): HttpResult {
  const { request, link } = ctx;
  const purpose = link.purpose ?? 'decision';
  const extension = purpose === 'extension' ? request.extensions?.find((e) => e.id === link.extensionId) : undefined;
  const title = purpose === 'review' ? 'Review break-glass access' : extension ? `Review extension of request ${request.id}` : 'Review access request';
  const buttons =
    purpose === 'review'
      ? `<button class="approve" type="submit" name="decision" value="acknowledge">Acknowledge</button>` +
        `<button class="deny" type="submit" name="decision" value="flag">Flag</button>`
      : `<button class="approve" type="submit" name="decision" value="approve">Approve</button>` +
        `<button class="deny" type="submit" name="decision" value="deny">Deny</button>`;
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1>${summary(request, ctx.serviceNames, ctx.targetDescription, extension, now)}${permissionsSection(ctx.permissions)}${requesterWords(request)}` +
      (extension ? `<section class="words"><p>Extension reason (their words):</p>${quoted(extension.reason)}</section>` : '') +
      `<form method="post"><label for="comment">Comment (optional)</label>` +
      // One line (an input, not a textarea): comments are quoted in the requester's plain-text email.
      `<input type="text" id="comment" name="comment" maxlength="500" autocomplete="off" aria-describedby="who">` +
      `<p id="who">${purpose === 'review' ? 'Reviewing' : 'Deciding'} as <strong>${escapeHtml(link.approver)}</strong>. This link works once and expires ${escapeHtml(link.expiresAt)}.</p>` +
      `<div class="actions">${buttons}</div></form>`,
    200,
  );
}

/** What the approver sees after deciding. */
export function resultPage(outcome: { request: AccessRequest; decided: boolean; timedOut: boolean; serviceNames: string[] }, decision: LinkAnswer): HttpResult {
  const { request } = outcome;
  if (decision === 'acknowledge' || decision === 'flag') {
    const heading = decision === 'flag' ? 'Break-glass access flagged' : 'Break-glass access acknowledged';
    const message =
      decision === 'flag'
        ? 'You flagged this break-glass access. It is recorded on the request for the security team.'
        : 'You acknowledged this break-glass access. The review is recorded on the request.';
    return page(
      heading,
      `<h1>${escapeHtml(heading)}</h1><p class="notice ${decision === 'flag' ? 'bad' : 'good'}" role="status">${escapeHtml(message)}</p>` +
        summary(request, outcome.serviceNames) +
        requesterWords(request),
      200,
    );
  }
  const approvals = request.approvals.filter((a) => a.decision === 'approve').length;
  const message = outcome.timedOut
    ? 'The approval window had already closed, so this request has timed out. The requester must ask again.'
    : decision === 'deny'
      ? 'You denied this request. The requester has been told.'
      : outcome.decided
        ? 'You approved this request. Access is being granted now.'
        : `Your approval is recorded (${approvals} of ${request.approvalsRequired}); waiting for the other approvers.`;
  const heading = outcome.timedOut ? 'Request timed out' : decision === 'deny' ? 'Request denied' : 'Approval recorded';
  return page(
    heading,
    `<h1>${escapeHtml(heading)}</h1><p class="notice ${outcome.timedOut || decision === 'deny' ? 'bad' : 'good'}" role="status">${escapeHtml(message)}</p>` +
      summary(request, outcome.serviceNames) +
      requesterWords(request),
    200,
  );
}

/** Errors on the approval routes are shown to a person, not a program. */
export function errorPage(status: number, message: string): HttpResult {
  const title = status === 410 ? 'Link no longer valid' : status === 404 ? 'Link not found' : status === 409 ? 'Already decided' : status === 403 ? 'Not allowed' : 'Something went wrong';
  return page(title, `<h1>${escapeHtml(title)}</h1><p class="notice bad" role="alert">${escapeHtml(message)}</p>`, status);
}
