/**
 * The approval email and page put the broker's own link and facts before anything the requester
 * wrote, and quote the requester's words so they cannot pass for the broker's.
 */
import { describe, expect, it } from 'vitest';
import type { Target } from '../../shared/catalogue/types';
import type { AccessRequest } from '../../shared/domain/request';
import { confirmationPage, resultPage } from '../../shared/http/approval-page';
import { SERVICES } from '../../shared/catalogue/services';
import { compileSessionPolicy } from '../../shared/domain/session-policy';
import { approvalEmail } from '../../shared/notifications/approval-email';
import { grantedPermissions } from '../../shared/notifications/permissions';
import { quoteLines } from '../../shared/notifications/quote';
import type { ApprovalContext } from '../../shared/usecases/approvals';

const LINK = 'https://broker.example.com/approvals/REALTOKEN';
/** What a requester might write to make their text look like the broker's (only allowed characters). */
const FORGING_REASON =
  'urgent fix. Approvals: 0 required. Review and decide: https://evil.example/approvals/FAKE ' +
  'This link is for carol@example.com only. Requester: ceo@example.com';

const request = {
  id: '01JD3Z6W9Q8X7V5T4R3N2M1K0H',
  status: 'PENDING',
  version: 1,
  requester: { sub: 'alice', email: 'alice@example.com' },
  target: 'prod-readonly',
  account: '222222222222',
  roleArn: 'arn:aws:iam::222222222222:role/BrokerReadOnly',
  services: ['ec2'],
  durationSeconds: 1800,
  sessionPolicy: compileSessionPolicy(['ec2']),
  reason: FORGING_REASON,
  ticket: 'INC-4411',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  approvalsRequired: 2,
  approverEmails: ['carol@example.com', 'erin@example.com'],
  approverGroups: [],
  approvals: [],
  history: [],
} as AccessRequest;
const target = { id: 'prod-readonly', description: 'Read-only production' } as Target;
const permissions = grantedPermissions(request, SERVICES);

describe('quoteLines', () => {
  it('prefixes every line with "> " and wraps at word boundaries', () => {
    const lines = quoteLines('word '.repeat(40).trim(), 20);
    expect(lines.every((l) => l.startsWith('> '))).toBe(true);
    expect(lines.every((l) => l.length <= 22)).toBe(true);
    expect(lines.map((l) => l.slice(2)).join(' ')).toBe('word '.repeat(40).trim());
  });

  it('cuts a word longer than a line by characters, never inside an emoji', () => {
    expect(quoteLines('a'.repeat(25), 10)).toEqual(['> aaaaaaaaaa', '> aaaaaaaaaa', '> aaaaa']);
    expect(quoteLines('😀'.repeat(3), 2)).toEqual(['> 😀😀', '> 😀']);
  });
});

describe('approval email', () => {
  const mail = approvalEmail({ request, target, approver: 'carol@example.com', link: LINK, expiresAt: '2026-01-01T04:00:00.000Z', serviceNames: ['EC2'], permissions });
  const lines = mail.text.split('\n');

  it('has the broker\'s link before anything the requester wrote, and it is the first link', () => {
    const linkAt = lines.indexOf(LINK);
    const wordsAt = lines.indexOf('----- Below: written by the requester, not by the broker -----');
    expect(linkAt).toBeGreaterThan(0);
    expect(wordsAt).toBeGreaterThan(linkAt);
    expect(lines.indexOf('Approvals: 2 required')).toBeLessThan(wordsAt);
    expect(/https?:\/\/\S+/.exec(mail.text)?.[0]).toBe(LINK);
    // The requester's text appears nowhere before its heading.
    expect(lines.slice(0, wordsAt).join('\n')).not.toContain('evil.example');
  });

  it('lists the exact actions per service, from the compiled session policy, before the requester\'s words', () => {
    const at = lines.indexOf('Exactly what approving grants (the session policy, per service):');
    expect(at).toBeGreaterThan(lines.indexOf('Approvals: 2 required'));
    expect(lines.slice(at + 1, at + 3)).toEqual(['  EC2: ec2:Describe*', '    on *']);
    expect(at).toBeLessThan(lines.indexOf('----- Below: written by the requester, not by the broker -----'));
  });

  it('quotes the reason and the ticket, every line, under headings naming whose words they are', () => {
    const reasonAt = lines.indexOf("Requester's reason (their words):");
    const ticketAt = lines.indexOf("Requester's ticket (their words):");
    const reasonLines = lines.slice(reasonAt + 1, ticketAt - 1);
    expect(reasonLines.length).toBeGreaterThan(1);
    expect(reasonLines.every((l) => l.startsWith('> '))).toBe(true);
    expect(reasonLines.map((l) => l.slice(2)).join(' ')).toBe(FORGING_REASON);
    expect(lines[ticketAt + 1]).toBe('> INC-4411');
    // Every line that mentions the forged text is quoted.
    for (const line of lines.filter((l) => /evil|ceo@|0 required/.test(l))) expect(line.startsWith('> ')).toBe(true);
  });

  it('says so when there is no ticket, and keeps the subject free of requester text', () => {
    const { ticket: _ticket, ...noTicket } = request;
    const m = approvalEmail({ request: noTicket as AccessRequest, target, approver: 'carol@example.com', link: LINK, expiresAt: 'x', serviceNames: ['EC2'], permissions });
    expect(m.text.endsWith("Requester's ticket (their words):\n(none given)")).toBe(true);
    expect(mail.subject).toBe('Approve AWS access: alice@example.com to prod-readonly for 30m');
  });
});

describe('granted permissions', () => {
  it('come from the stored session policy, conditions included, and from the catalogue for requests stored before it', () => {
    const services = [
      ...SERVICES,
      { key: 'logs-read', name: 'Logs (read)', sid: 'LogsRead', actions: ['logs:Get*'], resources: ['arn:aws:logs:${region}:${account}:log-group:/team/*'], conditions: { StringEquals: { 'aws:ResourceAccount': '${account}' } }, consolePath: '/cloudwatch/home', custom: true as const },
    ];
    const sessionPolicy = compileSessionPolicy(['ec2', 'logs-read'], services, { account: '333333333333', region: 'eu-west-1' });
    const fromPolicy = grantedPermissions({ services: ['ec2', 'logs-read'], sessionPolicy }, services);
    expect(fromPolicy).toEqual([
      { name: 'EC2', actions: ['ec2:Describe*'], resources: ['*'] },
      { name: 'Logs (read)', actions: ['logs:Get*'], resources: ['arn:aws:logs:eu-west-1:333333333333:log-group:/team/*'], condition: '{"StringEquals":{"aws:ResourceAccount":"333333333333"}}' },
    ]);
    expect(grantedPermissions({ services: ['ec2', 'gone'] }, services)).toEqual([
      { name: 'EC2', actions: ['ec2:Describe*'], resources: ['*'] },
      { name: 'gone', actions: [], resources: ['*'] },
    ]);
  });
});

describe('approval page', () => {
  const ctx = {
    request,
    link: { approver: 'carol@example.com', expiresAt: '2026-01-01T04:00:00.000Z' },
    serviceNames: ['EC2'],
    permissions,
  } as unknown as ApprovalContext;

  it('shows the facts first, then the requester\'s words quoted and isolated, then the form', () => {
    const body = confirmationPage(ctx).body as string;
    const facts = body.indexOf('<dt>Approvals</dt>');
    const words = body.indexOf('Written by the requester, not by the broker');
    const form = body.indexOf('<form');
    expect(facts).toBeGreaterThan(0);
    expect(words).toBeGreaterThan(facts);
    expect(form).toBeGreaterThan(words);
    expect(body.indexOf('evil.example')).toBeGreaterThan(words);
    expect(body).toContain("<p>Requester's reason (their words):</p><blockquote><bdi>&gt; urgent fix.");
    expect(body).toContain('<bdi>&gt; INC-4411</bdi>');
    // The reason is not among the broker's facts any more.
    expect(body).not.toContain('<dt>Reason</dt>');
    // A one-line comment field: a browser cannot submit a line break from it.
    expect(body).toContain('<input type="text" id="comment" name="comment" maxlength="500"');
    expect(body).not.toContain('<textarea');
  });

  it('the result page quotes the same way', () => {
    const body = resultPage({ request, decided: false, timedOut: false, serviceNames: ['EC2'] }, 'approve').body as string;
    expect(body.indexOf('Written by the requester')).toBeGreaterThan(body.indexOf('<dt>Status</dt>'));
  });
});
