import { describe, expect, it } from 'vitest';
import { useTestBroker } from '../helpers/broker';

/** One broker for the file: each test works on its own request. */
const broker = useTestBroker();

/** A decision must survive a Step Functions hiccup: recorded once, deliverable again by its approver. */
describe('decision delivery', () => {
  it('a failed SendTaskSuccess answers 503, keeps the vote, and the same approver re-submitting delivers it', async () => {
    const t = broker();
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'checking delivery retries' },
    });
    expect(created.status).toBe(201);
    const id = created.body.request.id as string;
    const link = await t.linkFor(id, 'carol@example.com');

    const workflow = t.broker.deps.workflow;
    const original = workflow.sendDecision.bind(workflow);
    let failures = 1;
    workflow.sendDecision = async (token, output) => {
      if (failures-- > 0) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return original(token, output);
    };
    try {
      const first = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
      expect(first.status).toBe(503);
      expect(((await first.json()) as { error: { code: string } }).error.code).toBe('DECISION_NOT_DELIVERED');
      const recorded = await t.call('GET', `/requests/${id}`, { as: 'alice' });
      expect(recorded.body.request.status).toBe('APPROVED');
      expect(recorded.body.request.approvals).toHaveLength(1);

      // Another approver cannot piggy-back: the request is decided.
      const daveLink = await t.linkFor(id, 'dave@example.com');
      const dave = await fetch(daveLink, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
      expect(dave.status).toBe(409);
      // The opposite decision on the used link is not a redelivery.
      const flip = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'deny' }) });
      expect(flip.status).toBe(410);

      const again = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
      expect(again.status).toBe(200);
      // Wait for the step after issuing (the requester's notice): ACTIVE alone is written before
      // the credentials are issued and their history entry appended.
      const active = await t.waitForRequest(
        id,
        (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'requester-notified'),
      );
      expect(active.approvals).toHaveLength(1);
      expect(active.history.filter((h: { type: string }) => h.type === 'approved')).toHaveLength(1);

      // Once delivered, a further re-submission changes nothing and is refused as used.
      const late = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
      expect(late.status).toBe(410);
    } finally {
      workflow.sendDecision = original;
    }
  });
});

describe('decision cast between two attempts of notify-approvers', () => {
  it('the retried attempt delivers the recorded decision instead of cancelling', async () => {
    const t = broker();
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'decision between two notify attempts' },
    });
    const id = created.body.request.id as string;
    const link = await t.linkFor(id, 'carol@example.com');
    // Simulate the first attempt's token being closed (the Lambda failed after emailing carol and
    // Step Functions is retrying): the stored token no longer works.
    const realToken = await t.broker.deps.requests.getTaskToken(id);
    expect(realToken).toBeDefined();
    const workflow = t.broker.deps.workflow;
    const original = workflow.sendDecision.bind(workflow);
    let closedOnce = false;
    workflow.sendDecision = async (token, output) => {
      if (!closedOnce) {
        closedOnce = true;
        const { workflowTaskClosedError } = await import('../../shared/workflow/errors');
        throw workflowTaskClosedError();
      }
      return original(token, output);
    };
    try {
      const vote = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve' }) });
      expect(vote.status).toBe(200);
      expect(((await vote.json()) as { timedOut: boolean }).timedOut).toBe(true);
      // No TIMED_OUT written by the decision: the status stays APPROVED for the workflow to settle.
      expect((await t.call('GET', `/requests/${id}`, { as: 'alice' })).body.request.status).toBe('APPROVED');

      // The retried attempt of the notify task runs with a fresh token (the stand-in for Step
      // Functions' retry), finds the recorded decision and delivers it to the waiting execution.
      await t.broker.invoke('notifyApprovers', { requestId: id, approvalTimeoutSeconds: 14_400, taskToken: realToken });
      // Wait for the step after issuing (the requester's notice): ACTIVE alone is written before
      // the credentials are issued and their history entry appended.
      const active = await t.waitForRequest(
        id,
        (r) => r.status === 'ACTIVE' && r.history.some((h: { type: string }) => h.type === 'requester-notified'),
      );
      expect(active.history.filter((h: { type: string }) => h.type === 'issued')).toHaveLength(1);
    } finally {
      workflow.sendDecision = original;
    }
  });
});
