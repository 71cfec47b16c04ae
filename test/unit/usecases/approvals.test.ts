import { describe, expect, it } from 'vitest';
import { hashApprovalToken, newApprovalToken } from '../../../shared/domain/approval-token';
import type { AccessRequest, Approval } from '../../../shared/domain/request';
import type { ApprovalLink } from '../../../shared/ports/repositories';
import type { Caller } from '../../../shared/domain/identity';
import { decideApproval, decideAsApprover, viewApproval } from '../../../shared/usecases/approvals';
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
      // A link is spent once its approver's mailbox voted by any path (link or signed-in route).
      name: 'an alias of an approver who already voted gets no second vote: its link is spent (410)',
      request: prod({ approvals: [approve('dave@example.com')] }),
      approver: 'dave+prod@example.com',
      decision: 'approve',
      wantErr: 'LINK_USED',
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
    await expect(decideApproval(ports, b.token, 'approve')).rejects.toMatchObject({ code: 'LINK_USED' });
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

describe('decideAsApprover (POST /requests/{id}/decision)', () => {
  const caller = (email: string, groups: string[] = [], sub = email.split('@')[0]!): Caller => ({ sub, email, groups });
  const dave = caller('dave@example.com');

  it.each<{ name: string; request: AccessRequest; who: Caller; decision?: 'approve' | 'deny'; wantErr?: string; wantStatus: string; wantBy?: string }>([
    { name: 'a listed approver approves; one of two leaves it pending', request: prod(), who: dave, wantStatus: 'PENDING', wantBy: 'dave@example.com' },
    { name: 'an alias of a listed mailbox (who may read it) votes as the listed address', request: prod(), who: caller('Dave+cli@Example.com', ['approvers'], 'dave'), wantStatus: 'PENDING', wantBy: 'dave@example.com' },
    // Reading follows GET /requests/{id}: a listed address or an approver group.
    { name: 'an alias of a listed mailbox who may not read the request gets 404 as for a read', request: prod(), who: caller('dave+cli@example.com', [], 'dave'), wantErr: 'NOT_FOUND', wantStatus: 'PENDING' },
    { name: 'the second approver reaches the quorum', request: prod({ approvals: [approve('dave@example.com')] }), who: caller('erin@example.com'), wantStatus: 'APPROVED', wantBy: 'erin@example.com' },
    { name: 'a deny decides', request: prod(), who: dave, decision: 'deny', wantStatus: 'DENIED', wantBy: 'dave@example.com' },
    { name: 'the requester (also listed) may not decide', request: prod(), who: caller('carol@example.com', ['approvers']), wantErr: 'SELF_APPROVAL', wantStatus: 'PENDING' },
    { name: 'an approver-group member not listed by email may read but not vote', request: prod(), who: caller('frank@example.com', ['approvers']), wantErr: 'NOT_APPROVER', wantStatus: 'PENDING' },
    { name: 'anyone else does not learn the request exists', request: prod(), who: caller('mallory@example.com', ['contractors']), wantErr: 'NOT_FOUND', wantStatus: 'PENDING' },
    { name: 'one vote per mailbox', request: prod({ approvals: [approve('dave@example.com')] }), who: dave, wantErr: 'ALREADY_VOTED', wantStatus: 'PENDING' },
    { name: 'no vote once decided', request: prod({ status: 'DENIED', approvals: [{ ...approve('erin@example.com'), decision: 'deny' }] }), who: dave, wantErr: 'ALREADY_DECIDED', wantStatus: 'DENIED' },
  ])('$name', async ({ request, who, decision, wantErr, wantStatus, wantBy }) => {
    const ports = fakePorts({ requests: [request], taskTokens: { [ID]: 'tok-wait' } });
    const result = decideAsApprover(ports, who, ID, decision ?? 'approve', 'via the CLI');
    if (wantErr) {
      await expect(result).rejects.toMatchObject({ code: wantErr });
      expect(ports.recorded.writes).toEqual([]);
    } else {
      await expect(result).resolves.toMatchObject({ decided: wantStatus !== 'PENDING', timedOut: false, request: { status: wantStatus } });
      expect(ports.stored(ID)!.approvals.at(-1)).toEqual({ by: wantBy, decision: decision ?? 'approve', at: FAKE_NOW, comment: 'via the CLI' });
    }
    expect(ports.stored(ID)!.status).toBe(wantStatus);
    expect(ports.recorded.decisionsSent.length).toBe(!wantErr && wantStatus !== 'PENDING' ? 1 : 0);
  });

  it("spends the voter's link: it then answers 410 to GET and POST, and other approvers' links still work", async () => {
    const daveLink = linkFor('dave@example.com');
    const erinLink = linkFor('erin@example.com');
    const ports = fakePorts({ requests: [prod()], links: [daveLink.link, erinLink.link], taskTokens: { [ID]: 'tok-wait' } });
    await decideAsApprover(ports, dave, ID, 'approve');
    await expect(viewApproval(ports, daveLink.token)).rejects.toMatchObject({ kind: 'gone', code: 'LINK_USED' });
    await expect(decideApproval(ports, daveLink.token, 'deny')).rejects.toMatchObject({ kind: 'gone', code: 'LINK_USED' });
    await expect(viewApproval(ports, erinLink.token)).resolves.toMatchObject({ request: { id: ID } });
    await expect(decideApproval(ports, erinLink.token, 'approve')).resolves.toMatchObject({ decided: true });
    expect(ports.stored(ID)).toMatchObject({ status: 'APPROVED', approvals: [{ by: 'dave@example.com' }, { by: 'erin@example.com' }] });
  });

  it('a vote through the link blocks a later vote through the route (409)', async () => {
    const daveLink = linkFor('dave@example.com');
    const ports = fakePorts({ requests: [prod()], links: [daveLink.link], taskTokens: { [ID]: 'tok-wait' } });
    await decideApproval(ports, daveLink.token, 'approve');
    await expect(decideAsApprover(ports, dave, ID, 'approve')).rejects.toMatchObject({ kind: 'conflict', code: 'ALREADY_VOTED' });
    await expect(decideAsApprover(ports, dave, ID, 'deny')).rejects.toMatchObject({ kind: 'conflict', code: 'ALREADY_VOTED' });
    expect(ports.stored(ID)!.approvals).toHaveLength(1);
  });

  it('a route vote racing a link vote of the same approver is refused by the conditional write', async () => {
    const ports = fakePorts({ requests: [prod()], taskTokens: { [ID]: 'tok-wait' } });
    // The link's vote lands between the route's read and its write.
    ports.raceNextUpdate(ID, (r) => {
      r.approvals.push(approve('dave@example.com'));
    });
    await expect(decideAsApprover(ports, dave, ID, 'deny')).rejects.toMatchObject({ code: 'ALREADY_VOTED' });
    expect(ports.stored(ID)).toMatchObject({ status: 'PENDING', approvals: [{ by: 'dave@example.com', decision: 'approve' }] });
  });

  it('a deciding vote not delivered (503) is delivered by sending it again; once delivered, a repeat is 409', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID })], taskTokens: { [ID]: 'tok-wait' } });
    ports.failures.sendDecision = new Error('ThrottlingException');
    await expect(decideAsApprover(ports, dave, ID, 'approve')).rejects.toMatchObject({ kind: 'unavailable', code: 'DECISION_NOT_DELIVERED' });
    expect(ports.stored(ID)?.status).toBe('APPROVED');
    delete ports.failures.sendDecision;
    await expect(decideAsApprover(ports, dave, ID, 'deny')).rejects.toMatchObject({ code: 'ALREADY_DECIDED' });
    await expect(decideAsApprover(ports, dave, ID, 'approve')).resolves.toMatchObject({ decided: true, timedOut: false });
    expect(ports.recorded.decisionsSent).toEqual([{ taskToken: 'tok-wait', output: { decision: 'approved', decidedBy: ['dave@example.com'] } }]);
    await expect(decideAsApprover(ports, dave, ID, 'approve')).rejects.toMatchObject({ kind: 'conflict', code: 'ALREADY_VOTED' });
    expect(ports.recorded.writes).toHaveLength(1);
  });
});
