import type { Target } from '../catalogue/types';
import { formatDuration } from '../domain/duration';
import type { AccessRequest, Extension } from '../domain/request';
import { describeStart } from '../domain/schedule';
import { escapeHtml } from '../http/html';
import type { Mail } from '../ports';
import { permissionLines, type ServicePermissions } from './permissions';
import { quoteLines } from './quote';

/**
 * Message attribute an approvals-topic subscription filters on, so each approver's email
 * subscription receives only the links made for them: {"approver": ["carol@example.com"]}.
 */
export const APPROVER_ATTRIBUTE = 'approver';

/**
 * One approver's email, to them alone: the link is theirs and single use. A plain-text part
 * (all SNS email carries) and an HTML part (SES sends both) with the same content in the same
 * order. The broker's own words come first: the link, then the facts it checked. What the
 * requester wrote comes last, under a heading that says whose words they are, every line quoted
 * with "> ", so no reason or ticket can pass for a line of the broker's (a link, "Approvals: 0").
 */
export function approvalEmail(args: {
  request: AccessRequest;
  target: Target;
  approver: string;
  link: string;
  expiresAt: string;
  serviceNames: string[];
  /** The exact permissions, per service (grantedPermissions). */
  permissions: ServicePermissions[];
  /** When the email is written: the schedule is shown relative to it. */
  now?: Date;
  /** 1 or 2 for a reminder: the link replaces the one sent before, which stops working. */
  reminder?: number;
  /** Set when the approvers decide an extension of the (active) request rather than the request. */
  extension?: Extension;
}): Mail {
  const { request, target, approver, link, expiresAt, serviceNames, permissions, reminder, extension } = args;
  const facts = factsOf(request, target, serviceNames, args.now ?? new Date(), extension);
  const banner = reminder ? `Reminder ${reminder}: this is still waiting for your decision. This link replaces the one sent before, which no longer works.` : undefined;
  const opening = extension
    ? `${request.requester.email} asks to extend request ${request.id}, from ${extension.from} to ${extension.to}, and you are one of its approvers.`
    : `${request.requester.email} asks for temporary AWS access and you are one of its approvers.`;
  const lines = [
    ...(banner ? [banner, ''] : []),
    opening,
    '',
    'Review and decide (the page asks you to confirm; opening it changes nothing):',
    link,
    '',
    `This link is for ${approver} only, works once, and expires ${expiresAt}.`,
    'If you did not expect this email, do nothing: the request times out by itself.',
    '',
    'The request, as the broker recorded it:',
    ...facts.map(factLine),
    '',
    'Exactly what approving grants (the session policy, per service):',
    ...permissionLines(permissions),
    '',
    ...requesterWords(request, extension),
  ];
  return {
    topic: 'approvals',
    to: approver,
    subject: extension
      ? `${reminder ? 'Reminder: ' : ''}Approve extension of ${request.id}: ${request.requester.email} +${formatDuration(extension.durationSeconds)}`
      : `${reminder ? 'Reminder: ' : ''}Approve AWS access: ${request.requester.email} to ${target.id} for ${formatDuration(request.durationSeconds)}`,
    text: lines.join('\n'),
    html: approvalHtml({ request, approver, link, expiresAt, facts, permissions, opening, ...(banner ? { banner } : {}), ...(extension ? { extension } : {}) }),
    attributes: {
      [APPROVER_ATTRIBUTE]: approver,
      requestId: request.id,
      kind: extension ? 'extension-request' : reminder ? 'approval-reminder' : APPROVAL_REQUEST_KIND,
      ...(extension ? { extensionId: extension.id } : {}),
    },
  };
}

/** The `kind` attribute of an approval email (an SES message tag too). */
export const APPROVAL_REQUEST_KIND = 'approval-request';

/** The facts the broker checked, in the order both parts show them. */
function factsOf(request: AccessRequest, target: Target, serviceNames: string[], now: Date, extension?: Extension): [string, string][] {
  return [
    ...grantFacts(request, target, serviceNames),
    ['Duration', formatDuration(request.durationSeconds)],
    ...(request.startsAt && !request.expiresAt ? [['Starts', describeStart(request.startsAt, now)] as [string, string]] : []),
    ...(extension ? [['Extension', `${formatDuration(extension.durationSeconds)} more, from ${extension.from} to ${extension.to}`] as [string, string]] : []),
    ['Approvals', `${request.approvalsRequired} required`],
  ];
}

/** Who asked for what: the facts every approver mail starts with. */
function grantFacts(request: AccessRequest, target: Target, serviceNames: string[]): [string, string][] {
  return [
    ['Request', request.id],
    ['Requester', request.requester.email],
    ['Target', `${target.id}${target.description ? ` (${target.description})` : ''}`],
    ['Account', request.account],
    ['Role', request.roleArn],
    ['Services', serviceNames.join(', ')],
  ];
}

/** A fact as a plain-text line, names aligned. */
const factLine = ([name, value]: [string, string]): string => `${`${name}:`.padEnd(11)}${value}`;

const FONT = 'font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif';
const MONO = 'font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace';

/**
 * The HTML part. Every value goes through escapeHtml; styles are inline (mail clients drop
 * style sheets); nothing is fetched from elsewhere (no images, fonts or scripts), so opening
 * the mail tells nobody it was read. The link is a button-like anchor and, below it, the same
 * URL written out in full as text, so the approver can see where it goes before clicking.
 */
function approvalHtml(args: {
  request: AccessRequest;
  approver: string;
  link: string;
  expiresAt: string;
  facts: [string, string][];
  permissions: readonly ServicePermissions[];
  opening: string;
  banner?: string;
  extension?: Extension;
}): string {
  const { request, approver, link, expiresAt, facts, permissions, opening, banner, extension } = args;
  const e = escapeHtml;
  const quote = (text: string) =>
    `<blockquote style="margin:0;${MONO};font-size:13px;white-space:pre-wrap;overflow-wrap:anywhere">${quoteLines(text)
      .map((line) => `<bdi style="display:block">${e(line)}</bdi>`)
      .join('')}</blockquote>`;
  const rows = facts
    .map(([name, value]) => `<tr><th align="left" style="padding:2px 12px 2px 0;vertical-align:top">${e(name)}</th><td style="padding:2px 0;overflow-wrap:anywhere">${e(value)}</td></tr>`)
    .join('');
  const granted = permissions
    .map(
      (p) =>
        `<li style="margin:0 0 6px"><strong>${e(p.name)}</strong>: <span style="${MONO};font-size:13px;overflow-wrap:anywhere">${e(p.actions.join(', '))}</span>` +
        `<br><span style="font-size:13px">on <span style="${MONO};overflow-wrap:anywhere">${e(p.resources.join(', '))}</span></span>` +
        (p.condition ? `<br><span style="font-size:13px">when <span style="${MONO};overflow-wrap:anywhere">${e(p.condition)}</span></span>` : '') +
        `</li>`,
    )
    .join('');
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${e(`Approve AWS access for ${request.requester.email}`)}</title></head>` +
    `<body style="margin:0;padding:16px;background:#ffffff;color:#1b1f24;${FONT};font-size:15px;line-height:1.5">` +
    (banner ? `<p style="padding:8px 12px;background:#fff8e6;border:1px solid #d4a72c;border-radius:6px;font-weight:600">${e(banner)}</p>` : '') +
    `<p>${e(opening)}</p>` +
    `<p>Review and decide (the page asks you to confirm; opening it changes nothing):</p>` +
    `<p><a href="${e(link)}" style="display:inline-block;padding:10px 18px;background:#1a7f37;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">Review the request</a></p>` +
    `<p style="${MONO};font-size:13px;overflow-wrap:anywhere;word-break:break-all">${e(link)}</p>` +
    `<p>This link is for ${e(approver)} only, works once, and expires ${e(expiresAt)}.<br>If you did not expect this email, do nothing: the request times out by itself.</p>` +
    `<p style="font-weight:600;margin-bottom:4px">The request, as the broker recorded it:</p>` +
    `<table role="presentation" style="border-collapse:collapse;font-size:14px">${rows}</table>` +
    `<p style="font-weight:600;margin:16px 0 4px">Exactly what approving grants (the session policy, per service):</p>` +
    `<ul style="margin:0;padding-left:20px">${granted}</ul>` +
    `<div style="margin-top:16px;padding:10px 14px;background:#fff8e6;border:1px solid #d4a72c;border-radius:6px">` +
    `<p style="margin:0 0 8px;font-weight:600">Below: written by the requester, not by the broker</p>` +
    (extension ? `<p style="margin:8px 0 2px">Extension reason (their words):</p>${quote(extension.reason)}` : '') +
    `<p style="margin:8px 0 2px">Requester's reason (their words):</p>${quote(request.reason)}` +
    `<p style="margin:8px 0 2px">Requester's ticket (their words):</p>${request.ticket ? quote(request.ticket) : '<p style="margin:0">(none given)</p>'}` +
    `</div></body></html>`
  );
}

/** The requester's own text, last and quoted; the heading says the broker did not write it. */
function requesterWords(request: Pick<AccessRequest, 'reason' | 'ticket'>, extension?: Pick<Extension, 'reason'>): string[] {
  return [
    '----- Below: written by the requester, not by the broker -----',
    '',
    ...(extension ? ["Extension reason (their words):", ...quoteLines(extension.reason), ''] : []),
    "Requester's reason (their words):",
    ...quoteLines(request.reason),
    '',
    "Requester's ticket (their words):",
    ...(request.ticket ? quoteLines(request.ticket) : ['(none given)']),
  ];
}

/**
 * The notice every approver of a break-glass target gets the moment the glass is broken: what
 * happened, and their own single-use review link (acknowledge or flag, with a comment). Plain text.
 */
export function breakGlassNotice(args: {
  request: AccessRequest;
  target: Target;
  approver: string;
  link: string;
  expiresAt: string;
  serviceNames: string[];
}): Mail {
  const { request, target, approver, link, expiresAt, serviceNames } = args;
  const lines = [
    `${request.requester.email} used BREAK-GLASS access to ${target.id}: it is ACTIVE now, without approval.`,
    `You are an approver of ${target.id}: review it (acknowledge or flag, with a comment) by ${request.review?.dueAt ?? 'soon'}.`,
    '',
    'Review (the page asks you to confirm; opening it changes nothing):',
    link,
    '',
    `This link is for ${approver} only, works once, and expires ${expiresAt}.`,
    '',
    'The access, as the broker recorded it:',
    ...[...grantFacts(request, target, serviceNames), ['Window', `${request.startsAt ?? '?'} to ${request.expiresAt ?? '?'}`] as [string, string]].map(factLine),
    '',
    ...requesterWords(request),
  ];
  return {
    topic: 'approvals',
    to: approver,
    subject: `Break-glass used: ${request.requester.email} on ${target.id}, review needed`,
    text: lines.join('\n'),
    attributes: { [APPROVER_ATTRIBUTE]: approver, requestId: request.id, kind: 'break-glass-review' },
  };
}
