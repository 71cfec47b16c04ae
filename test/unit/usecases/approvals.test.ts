import { describe, expect, it } from 'vitest';
import { hashApprovalToken, newApprovalToken } from '../../../shared/domain/approval-token';
import type { AccessRequest, Approval } from '../../../shared/domain/request';
import type { ApprovalLink } from '../../../shared/ports/repositories';
import { decideApproval, viewApproval } from '../../../shared/usecases/approvals';
import { workflowTaskClosedError } from '../../../shared/workflow/errors';
import { FAKE_NOW, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000APPR';
const at = (seconds: number) => new Date(Date.parse(FAKE_NOW) + seconds * 1000).toISOString();
const approve = (by: string): Approval => ({ by, decision: 'approve', at: at(-60) });

function linkFor(approver: string, overrides: Partial<ApprovalLink> = {}): { token: string; link: ApprovalLink } {
  const token = newApprovalToken();
  return {
    token,
    link: { tokenHash: hashApprovalToken(token), requestId: ID, approver, createdAt: at(-600), expiresAt: at(3000), ...overrides },
  };
}

/** Two approvals needed (prod-readonly style), carol's request; dave and erin vote. */
const prod = (overrides: Partial<AccessRequest> = {}) =>
  aRequest({
    id: ID,
    target: 'prod-readonly',
    requester: { sub: 'carol', email: 'carol@example.com' },
    approvalsRequired: 2,
    approverEmails: ['carol@example.com', 'dave@example.com', 'dave+prod@example.com', 'erin@example.com'],
    ...overrides,
  });

describe('decideApproval', () => {
  const cases: {
    name: string;
    request: AccessRequest;
    approver: string;
    decision: 'approve' | 'deny';
    link?: Partial<ApprovalLink>;
    tokenClosed?: boolean;
    wantErr?: string;
    wantStatus: string;
    wantApprovals: string[];
    wantLinkUsed: boolean;
    wantSent?: { decision: 'approved' | 'denied'; decidedBy: string[] };
    wantTimedOut?: boolean;
  }[] = [
    {
      name: 'a first approval of two records the vote and leaves the request PENDING',
      request: prod(),
      approver: 'dave@example.com',
      decision: 'approve',
      wantStatus: 'PENDING',
      wantApprovals: ['dave@example.com'],
      wantLinkUsed: true,
    },
    {
      name: 'the approval that reaches quorum approves and tells the workflow',
      request: prod({ approvals: [approve('dave@example.com')] }),
      approver: 'erin@example.com',
      decision: 'approve',
      wantStatus: 'APPROVED',
      wantApprovals: ['dave@example.com', 'erin@example.com'],
      wantLinkUsed: true,
      wantSent: { decision: 'approved', decidedBy: ['dave@example.com', 'erin@example.com'] },
    },
    {
      name: 'deny wins after an approval',
      request: prod({ approvals: [approve('dave@example.com')] }),
      approver: 'erin@example.com',
      decision: 'deny',
      wantStatus: 'DENIED',
      wantApprovals: ['dave@example.com', 'erin@example.com'],
      wantLinkUsed: true,
      wantSent: { decision: 'denied', decidedBy: ['erin@example.com'] },
    },
    {
      name: 'an alias of an approver who already voted gets no second vote (and keeps the link)',
      request: prod({ approvals: [approve('dave@example.com')] }),
      approver: 'dave+prod@example.com',
      decision: 'approve',
      wantErr: 'ALREADY_VOTED',
      wantStatus: 'PENDING',
      wantApprovals: ['dave@example.com'],
      wantLinkUsed: false,
    },
    {
      name: 'the requester cannot decide through an alias of their mailbox',
      request: prod(),
      approver: 'Carol+prod@Example.com.',
      decision: 'approve',
      wantErr: 'SELF_APPROVAL',
      wantStatus: 'PENDING',
      wantApprovals: [],
      wantLinkUsed: false,
    },
    {
      name: 'a used link is gone',
      request: prod(),
      approver: 'dave@example.com',
      decision: 'approve',
      link: { usedAt: at(-30) },
      wantErr: 'LINK_USED',
      wantStatus: 'PENDING',
      wantApprovals: [],
      wantLinkUsed: true,
    },
    {
      name: 'an expired link is gone',
      request: prod(),
      approver: 'dave@example.com',
      decision: 'approve',
      link: { expiresAt: at(0) },
      wantErr: 'LINK_EXPIRED',
      wantStatus: 'PENDING',
      wantApprovals: [],
      wantLinkUsed: false,
    },
    {
      name: 'a cancelled request takes no vote',
      request: prod({ status: 'CANCELLED' }),
      approver: 'dave@example.com',
      decision: 'approve',
      wantErr: 'ALREADY_DECIDED',
      wantStatus: 'CANCELLED',
      wantApprovals: [],
      wantLinkUsed: false,
    },
    {
      name: 'the deciding vote after the wait closed is recorded and shown as timed out',
      request: prod({ approvals: [approve('dave@example.com')] }),
      approver: 'erin@example.com',
      decision: 'approve',
      tokenClosed: true,
      wantStatus: 'APPROVED',
      wantApprovals: ['dave@example.com', 'erin@example.com'],
      wantLinkUsed: true,
      wantTimedOut: true,
    },
  ];

  it.each(cases)('$name', async (c) => {
    const { token, link } = linkFor(c.approver, c.link);
    const ports = fakePorts({ requests: [c.request], links: [link], taskTokens: { [ID]: 'tok-wait' } });
    if (c.tokenClosed) ports.closeToken('tok-wait');

    const result = decideApproval(ports, token, c.decision, 'looks fine');

    if (c.wantErr) {
      await expect(result).rejects.toMatchObject({ code: c.wantErr });
      expect(ports.recorded.writes).toEqual([]);
    } else {
      await expect(result).resolves.toMatchObject({ decided: c.wantStatus !== 'PENDING', timedOut: !!c.wantTimedOut });
      const [write] = ports.recorded.writes;
      expect(ports.recorded.writes).toHaveLength(1);
      expect(write).toMatchObject({ from: c.request.status, ...(c.wantStatus !== c.request.status ? { to: c.wantStatus } : {}) });
      const wantHistory = c.decision === 'deny' ? ['denied-by'] : c.wantStatus === 'APPROVED' ? ['approved-by', 'approved'] : ['approved-by'];
      expect(write!.append.map((h) => h.type)).toEqual(wantHistory);
      expect(write!.append[0]).toEqual({ at: FAKE_NOW, type: wantHistory[0], by: c.approver, detail: 'looks fine' });
    }
    const stored = ports.stored(ID)!;
    expect(stored.status).toBe(c.wantStatus);
    expect(stored.approvals.map((a) => a.by)).toEqual(c.wantApprovals);
    expect(!!ports.storedLink(link.tokenHash)?.usedAt).toBe(c.wantLinkUsed);
    expect(ports.recorded.decisionsSent).toEqual(c.wantSent ? [{ taskToken: 'tok-wait', output: c.wantSent }] : []);
  });

  it('two aliases of one approver with a link each cannot meet a quorum of two', async () => {
    const a = linkFor('dave@example.com');
    const b = linkFor('dave+prod@example.com');
    const ports = fakePorts({ requests: [prod()], links: [a.link, b.link], taskTokens: { [ID]: 'tok-wait' } });
    await decideApproval(ports, a.token, 'approve');
    await expect(decideApproval(ports, b.token, 'approve')).rejects.toMatchObject({ code: 'ALREADY_VOTED' });
    expect(ports.stored(ID)).toMatchObject({ status: 'PENDING', approvals: [{ by: 'dave@example.com' }] });
    expect(ports.recorded.decisionsSent).toEqual([]);
  });

  it('a decision recorded but not delivered is delivered when the same approver submits it again', async () => {
    const { token, link } = linkFor('dave@example.com');
    const ports = fakePorts({ requests: [aRequest({ id: ID })], links: [link], taskTokens: { [ID]: 'tok-wait' } });
    ports.failures.sendDecision = new Error('ThrottlingException');
    await expect(decideApproval(ports, token, 'approve')).rejects.toMatchObject({ code: 'DECISION_NOT_DELIVERED' });
    expect(ports.stored(ID)?.status).toBe('APPROVED');

    delete ports.failures.sendDecision;
    // Another decision from the same link is not a redelivery: the link is spent.
    await expect(decideApproval(ports, token, 'deny')).rejects.toMatchObject({ code: 'LINK_USED' });
    await expect(decideApproval(ports, token, 'approve')).resolves.toMatchObject({ decided: true, timedOut: false });
    expect(ports.recorded.decisionsSent).toEqual([{ taskToken: 'tok-wait', output: { decision: 'approved', decidedBy: ['dave@example.com'] } }]);
    expect(ports.recorded.writes).toHaveLength(1);
  });

  it('a vote racing another that reaches quorum first is judged on the approved request and refused', async () => {
    const { token, link } = linkFor('erin@example.com');
    const ports = fakePorts({ requests: [prod({ approvals: [approve('dave@example.com')] })], links: [link] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'APPROVED';
      r.approvals.push(approve('carol+other@example.org'));
    });
    await expect(decideApproval(ports, token, 'deny')).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    expect(ports.recorded.writes).toEqual([]);
  });

  it('control characters in the comment become spaces (it is quoted in a plain-text email)', async () => {
    const { token, link } = linkFor('dave@example.com');
    const ports = fakePorts({ requests: [aRequest({ id: ID })], links: [link], taskTokens: { [ID]: 'tok-wait' } });
    await decideApproval(ports, token, 'approve', 'ok\r\nApprovals: 0 required');
    expect(ports.stored(ID)?.approvals[0]?.comment).toBe('ok Approvals: 0 required');
  });

  it('a sendDecision failure other than a closed wait is 503 and logged without the task token', async () => {
    const { token, link } = linkFor('dave@example.com');
    const ports = fakePorts({ requests: [aRequest({ id: ID })], links: [link], taskTokens: { [ID]: 'tok-wait' } });
    ports.failures.sendDecision = new Error('InternalFailure');
    await expect(decideApproval(ports, token, 'approve')).rejects.toMatchObject({ kind: 'unavailable', code: 'DECISION_NOT_DELIVERED' });
    expect(ports.recorded.logs).toContainEqual(expect.objectContaining({ level: 'error', msg: 'decision recorded but not delivered' }));
    expect(JSON.stringify(ports.recorded.logs)).not.toContain('tok-wait');
  });
});

describe('viewApproval', () => {
  it.each<{ name: string; request: AccessRequest; link?: Partial<ApprovalLink>; token?: string; wantErr?: string }>([
    { name: 'an open link on a pending request shows the page', request: aRequest({ id: ID }) },
    { name: 'a used link', request: aRequest({ id: ID }), link: { usedAt: at(-1) }, wantErr: 'LINK_USED' },
    { name: 'an expired link', request: aRequest({ id: ID }), link: { expiresAt: at(-1) }, wantErr: 'LINK_EXPIRED' },
    { name: 'a request no longer pending', request: aRequest({ id: ID, status: 'TIMED_OUT' }), wantErr: 'ALREADY_DECIDED' },
    { name: 'a malformed token', request: aRequest({ id: ID }), token: 'not-a-token', wantErr: 'LINK_UNKNOWN' },
    { name: 'a well-formed token with no link', request: aRequest({ id: ID }), token: 'A'.repeat(43), wantErr: 'LINK_UNKNOWN' },
  ])('$name', async ({ request, link: overrides, token: given, wantErr }) => {
    const { token, link } = linkFor('dave@example.com', overrides);
    const ports = fakePorts({ requests: [request], links: [link] });
    const result = viewApproval(ports, given ?? token);
    if (wantErr) await expect(result).rejects.toMatchObject({ code: wantErr });
    else await expect(result).resolves.toMatchObject({ request: { id: ID }, serviceNames: ['EC2'], targetDescription: 'Sandbox, read only' });
    // A GET never changes state.
    expect(ports.recorded.writes).toEqual([]);
    expect(ports.storedLink(link.tokenHash)).toEqual(link);
  });
});
