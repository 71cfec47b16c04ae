/**
 * Nothing stuck, in local mode: an execution aborted outside the broker leaves its request
 * FAILED (the runner reports the status change as EventBridge would, to settleEndedExecution);
 * a request whose workflow never started is settled by the scheduled sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { movableClock, startTestBroker, type TestBroker } from '../helpers/broker';

const MINUTE_MS = 60_000;
const REQUEST = { target: 'sandbox-readonly', services: ['ec2'], duration: '1h', reason: 'Investigating INC-4411 latency' };

describe('requests whose workflow ended or never started are settled', () => {
  let t: TestBroker;
  const time = movableClock();
  beforeAll(async () => {
    t = await startTestBroker({ clock: time.clock, timer: time.timer });
  });
  afterAll(async () => {
    await t?.broker.close();
  });

  const submit = async () => {
    const res = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(res.status, res.text).toBe(201);
    return res.body.request as { id: string; executionArn: string };
  };
  const failedNotices = (id: string) =>
    t.broker.outbox.messages().filter((m) => m.topic === 'notifications' && m.attributes.requestId === id && /failed/i.test(m.subject));

  it('an execution aborted while waiting for approvers: the request becomes FAILED and the requester is told', async () => {
    const request = await submit();
    await t.waitForRequest(request.id, (r) => r.history.some((h: { type: string }) => h.type === 'notified'));
    await t.broker.workflow.stop(request.executionArn);
    const failed = await t.waitForRequest(request.id, (r) => r.status === 'FAILED');
    expect(failed.history.find((h: { type: string }) => h.type === 'failed').detail).toBe(
      "The workflow failed (Workflow.ABORTED). The platform team has the details in the broker's logs.",
    );
    expect(failedNotices(request.id)).toHaveLength(1);
    expect(t.broker.invocations().settleEndedExecution).toBeGreaterThanOrEqual(1);
  });

  it('an execution aborted while ACTIVE: FAILED, sealed credentials deleted, credentials refused', async () => {
    const request = await submit();
    const link = await t.linkFor(request.id, 'carol@example.com');
    expect((await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } })).status).toBe(200);
    await t.waitForRequest(request.id, (r) => r.status === 'ACTIVE');
    expect((await t.call('GET', `/requests/${request.id}/credentials`, { as: 'alice' })).status).toBe(200);
    await t.broker.workflow.stop(request.executionArn);
    await t.waitForRequest(request.id, (r) => r.status === 'FAILED');
    expect(await t.broker.deps.credentials.get(request.id)).toBeUndefined();
    const refused = await t.call('GET', `/requests/${request.id}/credentials`, { as: 'alice' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NOT_ACTIVE');
  });

  it('a request whose workflow never started (start and FAILED-write both failed) is settled by the sweep once 15 minutes old; others are left alone', async () => {
    const workflow = t.broker.deps.workflow;
    const repo = t.broker.deps.requests;
    const originalStart = workflow.start;
    const originalUpdate = repo.update;
    workflow.start = async () => {
      throw Object.assign(new Error('Step Functions unreachable'), { name: 'ServiceUnavailable' });
    };
    repo.update = async () => {
      throw Object.assign(new Error('DynamoDB unreachable'), { name: 'InternalServerError' });
    };
    let orphan: string;
    try {
      const res = await t.call('POST', '/requests', { as: 'bob', json: REQUEST });
      expect(res.status).toBe(500);
      const mine = await t.call('GET', '/requests?scope=mine', { as: 'bob' });
      orphan = mine.body.items[0].id;
      expect(mine.body.items[0]).toMatchObject({ status: 'PENDING', executionArn: null });
    } finally {
      workflow.start = originalStart;
      repo.update = originalUpdate;
    }
    // A request with a running workflow, waiting for its approvers.
    const running = await submit();
    await t.waitForRequest(running.id, (r) => r.history.some((h: { type: string }) => h.type === 'notified'));

    // Too young: nothing settled.
    expect(await t.broker.invoke('sweepStuckRequests', {})).toMatchObject({ settled: [] });
    time.offsetMs += 16 * MINUTE_MS;
    const swept = (await t.broker.invoke('sweepStuckRequests', {})) as { checked: number; settled: string[] };
    expect(swept.settled).toEqual([orphan]);
    const settled = await t.waitForRequest(orphan, (r) => r.status === 'FAILED', 'bob');
    expect(settled.history.find((h: { type: string }) => h.type === 'failed').detail).toBe(
      "The workflow failed (Workflow.Stuck). The platform team has the details in the broker's logs.",
    );
    expect(failedNotices(orphan)).toHaveLength(1);
    expect((await t.call('GET', `/requests/${running.id}`, { as: 'alice' })).body.request.status).toBe('PENDING');
    // A second sweep finds nothing more to do.
    expect(await t.broker.invoke('sweepStuckRequests', {})).toMatchObject({ settled: [] });
  });
});
