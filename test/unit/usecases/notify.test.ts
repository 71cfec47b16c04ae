import { describe, expect, it } from 'vitest';
import { hashApprovalToken } from '../../../shared/domain/approval-token';
import type { AccessRequest } from '../../../shared/domain/request';
import { AUTO_APPROVER, notifyApprovers } from '../../../shared/usecases/notify-approvers';
import { notifyRequesterOfGrant, tellRequester } from '../../../shared/usecases/notify-requester';
import { WORKFLOW_CANCELLED_ERROR } from '../../../shared/workflow/errors';
import { FAKE_NOW, PUBLIC_BASE_URL, aRequest, fakePorts } from '../../helpers/fake-ports';

const ID = '01J0000000000000000000NOTE';
const TOKEN = 'task-token-2';
const at = (seconds: number) => new Date(Date.parse(FAKE_NOW) + seconds * 1000).toISOString();
const linkIn = (message: string) => new RegExp(`${PUBLIC_BASE_URL}/approvals/([A-Za-z0-9_-]{43})`).exec(message)?.[1];

describe('notifyApprovers', () => {
  const cases: {
    name: string;
    request: AccessRequest;
    wantResult: { notified: number; autoApproved: boolean };
    wantWrites: { from: string; to?: string; taskToken?: string | null }[];
    wantLinksTo: string[];
    wantSent?: { decision: string; decidedBy: string[] };
    wantAborted?: boolean;
  }[] = [
    {
      name: 'a pending request: the token is kept server side and each voting approver gets a link',
      request: aRequest({ id: ID }),
      wantResult: { notified: 2, autoApproved: false },
      wantWrites: [{ from: 'PENDING', taskToken: TOKEN }],
      wantLinksTo: ['carol@example.com', 'dave@example.com'],
    },
    {
      name: 'the requester (as an alias) and aliases of one approver: one link per other mailbox',
      request: aRequest({
        id: ID,
        requester: { sub: 'carol', email: 'carol+work@example.com' },
        approverEmails: ['carol@example.com', 'dave@example.com', 'Dave+ops@example.com.', 'erin@example.com'],
      }),
      wantResult: { notified: 2, autoApproved: false },
      wantWrites: [{ from: 'PENDING', taskToken: TOKEN }],
      wantLinksTo: ['dave@example.com', 'erin@example.com'],
    },
    {
      name: 'a request that meets the auto-approval rule is approved without links',
      request: aRequest({ id: ID, target: 'sandbox-auto', services: ['ec2'], durationSeconds: 3600 }),
      wantResult: { notified: 0, autoApproved: true },
      wantWrites: [{ from: 'PENDING', to: 'APPROVED', taskToken: null }],
      wantLinksTo: [],
      wantSent: { decision: 'approved', decidedBy: [AUTO_APPROVER] },
    },
    {
      name: 'over the auto-approval duration: approvers are asked',
      request: aRequest({ id: ID, target: 'sandbox-auto', services: ['ec2'], durationSeconds: 7200 }),
      wantResult: { notified: 2, autoApproved: false },
      wantWrites: [{ from: 'PENDING', taskToken: TOKEN }],
      wantLinksTo: ['carol@example.com', 'dave@example.com'],
    },
    {
      name: 'cancelled before the workflow got here: the wait ends now',
      request: aRequest({ id: ID, status: 'CANCELLED' }),
      wantResult: { notified: 0, autoApproved: false },
      wantWrites: [],
      wantLinksTo: [],
      wantAborted: true,
    },
    {
      name: 'a retry after a decision was recorded: the new token is kept and the decision delivered',
      request: aRequest({ id: ID, status: 'APPROVED', approvals: [{ by: 'dave@example.com', decision: 'approve', at: at(-5) }] }),
      wantResult: { notified: 0, autoApproved: false },
      wantWrites: [{ from: 'APPROVED', taskToken: TOKEN }],
      wantLinksTo: [],
      wantSent: { decision: 'approved', decidedBy: ['dave@example.com'] },
    },
  ];

  it.each(cases)('$name', async ({ request, wantResult, wantWrites, wantLinksTo, wantSent, wantAborted }) => {
    const ports = fakePorts({ requests: [request] });

    await expect(notifyApprovers(ports, { requestId: ID, taskToken: TOKEN, approvalTimeoutSeconds: 7200 })).resolves.toEqual(wantResult);

    expect(ports.recorded.writes.map((w) => ({ from: w.from, ...(w.to ? { to: w.to } : {}), ...(w.taskToken !== undefined ? { taskToken: w.taskToken } : {}) }))).toEqual(wantWrites);
    const emails = ports.recorded.mailed.filter((m) => m.topic === 'approvals');
    expect(emails.map((m) => m.attributes.approver)).toEqual(wantLinksTo);
    for (const email of emails) {
      const token = linkIn(email.text);
      expect(token).toBeDefined();
      // Only the hash is stored; the link lives as long as the approval wait.
      expect(ports.storedLink(hashApprovalToken(token!))).toMatchObject({ requestId: ID, approver: email.attributes.approver, expiresAt: at(7200) });
      expect(email.text).not.toContain(TOKEN);
      // One mail per approver, addressed to them alone; the HTML part carries the same link.
      expect(email.to).toBe(email.attributes.approver);
      expect(email.html).toContain(`${PUBLIC_BASE_URL}/approvals/${token}`);
    }
    expect(ports.recorded.decisionsSent).toEqual(wantSent ? [{ taskToken: TOKEN, output: wantSent }] : []);
    expect(ports.recorded.aborted).toEqual(wantAborted ? [{ taskToken: TOKEN, error: WORKFLOW_CANCELLED_ERROR, cause: 'Request is already CANCELLED' }] : []);
  });

  it('a second auto-approvable request within the first grant plus cool-down goes to the approvers; a retry of the first is still auto-approved', async () => {
    const first = aRequest({ id: ID, target: 'sandbox-auto', services: ['ec2'], durationSeconds: 3600 });
    const second = aRequest({ id: '01J0000000000000000000NOT2', target: 'sandbox-auto', services: ['ec2'], durationSeconds: 3600 });
    const ports = fakePorts({ requests: [first, second] });
    await expect(notifyApprovers(ports, { requestId: ID, taskToken: TOKEN, approvalTimeoutSeconds: 60 })).resolves.toEqual({ notified: 0, autoApproved: true });
    await expect(notifyApprovers(ports, { requestId: second.id, taskToken: 'token-second', approvalTimeoutSeconds: 60 })).resolves.toEqual({ notified: 2, autoApproved: false });
    expect(ports.recorded.historyAppends.at(-1)?.entries[0]?.detail).toMatch(/^auto-approval withheld: .*; links sent to carol@example.com, dave@example.com/);
    // The first request's own claim holds for it (a retried task after its claim was written).
    await expect(ports.limits.claimAutoApproval(first.requester.sub, 'sandbox-auto', 'another', FAKE_NOW, at(1))).resolves.toBe(false);
    await expect(ports.limits.claimAutoApproval(first.requester.sub, 'sandbox-auto', ID, FAKE_NOW, at(1))).resolves.toBe(true);
  });

  it('a cancel that wins the race to the write ends the wait instead of sending links', async () => {
    const ports = fakePorts({ requests: [aRequest({ id: ID })] });
    ports.raceNextUpdate(ID, (r) => {
      r.status = 'CANCELLED';
    });
    await expect(notifyApprovers(ports, { requestId: ID, taskToken: TOKEN, approvalTimeoutSeconds: 60 })).resolves.toEqual({ notified: 0, autoApproved: false });
    expect(ports.recorded.writes).toEqual([]);
    expect(ports.recorded.mailed).toEqual([]);
    expect(ports.recorded.aborted).toHaveLength(1);
  });
});

describe('tellRequester / notifyRequesterOfGrant', () => {
  it.each<{ name: string; history: AccessRequest['history']; event: 'granted' | 'denied'; wantSent: boolean }>([
    { name: 'first notice of a grant is sent and marked', history: [], event: 'granted', wantSent: true },
    { name: 'a retried step finds the marker and sends nothing', history: [{ at: FAKE_NOW, type: 'requester-notified', detail: 'granted' }], event: 'granted', wantSent: false },
    { name: 'another event than the one marked is still sent', history: [{ at: FAKE_NOW, type: 'requester-notified', detail: 'granted' }], event: 'denied', wantSent: true },
  ])('$name', async ({ history, event, wantSent }) => {
    const request = aRequest({ id: ID, status: 'ACTIVE', startsAt: FAKE_NOW, expiresAt: at(3600) });
    request.history.push(...history);
    const ports = fakePorts({ requests: [request] });

    const sent = event === 'granted' ? (await notifyRequesterOfGrant(ports, ID)).notified : await tellRequester(ports, request, event);

    expect(sent).toBe(wantSent);
    expect(ports.recorded.mailed.map((m) => [m.topic, m.to, m.attributes.requester, m.attributes.event])).toEqual(
      wantSent ? [['notifications', 'alice@example.com', 'alice@example.com', event]] : [],
    );
    expect(ports.recorded.historyAppends).toEqual(wantSent ? [{ id: ID, entries: [{ at: FAKE_NOW, type: 'requester-notified', detail: event }] }] : []);
    expect(ports.recorded.writes).toEqual([]);
  });

  it('an unknown request is an error for the workflow to retry or fail on', async () => {
    await expect(notifyRequesterOfGrant(fakePorts(), ID)).rejects.toThrow(`Request ${ID} not found`);
  });
});
