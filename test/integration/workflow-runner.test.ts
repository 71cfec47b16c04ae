import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors';
import type {
  IssueCredentialsResult,
  NotifyApproversPayload,
  SettleRequestPayload,
} from '../../shared/workflow/payloads';
import {
  StateName,
  WORKFLOW_CANCELLED_ERROR,
  WORKFLOW_REQUEST_CLOSED_ERROR,
  WORKFLOW_TASK_CLOSED,
  WORKFLOW_THROTTLED_ERROR,
} from '../../shared/workflow/state-machine';
import { createLocalWorkflow, type LocalWorkflow, type LocalWorkflowOptions, type WorkflowHandlers } from '../../local/workflow-runner';

const HOUR_MS = 3_600_000;

function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

/** Fake Lambda bodies that record every call, in order, with the exact payload received. */
function fakeHandlers(overrides: Partial<WorkflowHandlers> = {}) {
  const calls: { fn: keyof WorkflowHandlers; payload: unknown }[] = [];
  const waiting = new Map<string, (p: NotifyApproversPayload) => void>();
  const notified = new Map<string, Promise<NotifyApproversPayload>>();
  const notifiedPayload = (requestId: string) => {
    if (!notified.has(requestId)) notified.set(requestId, new Promise((resolve) => waiting.set(requestId, resolve)));
    return notified.get(requestId) as Promise<NotifyApproversPayload>;
  };
  const record = <P, R>(fn: keyof WorkflowHandlers, body: (p: P) => R | Promise<R>) => async (payload: P) => {
    calls.push({ fn, payload });
    return body(payload);
  };
  const handlers: WorkflowHandlers = {
    notifyApprovers: record('notifyApprovers', async (p: NotifyApproversPayload) => {
      await overrides.notifyApprovers?.(p);
      notifiedPayload(p.requestId);
      waiting.get(p.requestId)?.(p);
      return { notified: 2 };
    }),
    issueCredentials: record('issueCredentials', (p) =>
      overrides.issueCredentials
        ? overrides.issueCredentials(p)
        : ({ startsAt: new Date().toISOString(), expiresAt: new Date(Date.now() + HOUR_MS).toISOString() } satisfies IssueCredentialsResult),
    ),
    notifyRequester: record('notifyRequester', (p) => overrides.notifyRequester?.(p) ?? { sent: true }),
    settleRequest: record('settleRequest', (p: SettleRequestPayload) => overrides.settleRequest?.(p) ?? { status: p.outcome }),
  };
  /** The task token NotifyApprovers was given for this request. */
  const tokenFor = async (requestId: string) => (await notifiedPayload(requestId)).taskToken;
  return { handlers, calls, tokenFor, fns: () => calls.map((c) => c.fn) };
}

let workflow: LocalWorkflow | undefined;
afterEach(async () => {
  await workflow?.stopAll();
  workflow = undefined;
});

function localWorkflow(handlers: WorkflowHandlers, options: Omit<LocalWorkflowOptions, 'handlers'> = {}) {
  // 1e-4: the 1 h access window lasts 360 ms, a 4 h approval timeout 1.44 s.
  workflow = createLocalWorkflow({ handlers, timeScale: 1e-4, retryIntervalMs: 5, ...options });
  return workflow;
}

async function expectTaskClosed(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConflictError);
  expect((error as ConflictError).code).toBe(WORKFLOW_TASK_CLOSED);
}

const PREFIX = [StateName.PREPARE_APPROVAL_WAIT, StateName.WAIT_FOR_DECISION];

describe('local approval workflow (the real ASL in aws-local-stepfunctions)', () => {
  it('approve path: issues, notifies the requester, waits out the (scaled) window, then expires', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);

    const arn = await wf.start({ requestId: 'req-approve', approvalTimeoutSeconds: 14_400 });
    expect(arn).toBe('arn:aws:states:local:000000000000:execution:approval-workflow:req-approve');
    const token = await fake.tokenFor('req-approve');
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    await wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([
      ...PREFIX,
      StateName.APPROVED_CHOICE,
      StateName.ISSUE_CREDENTIALS,
      StateName.NOTIFY_REQUESTER,
      StateName.WAIT_FOR_EXPIRY,
      StateName.EXPIRE_ACCESS,
      StateName.ACCESS_EXPIRED,
    ]);
    expect(done.stateTransitions).toBe(8);
    expect(done.retries).toBe(0);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials', 'notifyRequester', 'settleRequest']);
    expect(fake.calls.map((c) => c.payload)).toEqual([
      { requestId: 'req-approve', approvalTimeoutSeconds: 14_400, taskToken: token },
      { requestId: 'req-approve' },
      { requestId: 'req-approve', event: 'granted' },
      { requestId: 'req-approve', outcome: 'EXPIRED' },
    ]);
    expect(token).toMatch(/^local-[A-Za-z0-9_-]{64}$/);
    // The decision lands in $.decision unwrapped (no Payload), the window in $.grant.
    expect(done.output).toMatchObject({
      requestId: 'req-approve',
      decision: { decision: 'approved', decidedBy: ['carol@example.com'] },
      grant: { startsAt: expect.any(String), expiresAt: expect.any(String) },
    });
    expect(Date.parse(done.stopDate as string) - Date.parse(done.startDate)).toBeGreaterThanOrEqual(300);
  });

  it('measures the window with the injected clock (a local clock far from real time)', async () => {
    const offset = Date.parse('2030-06-01T12:00:00.000Z') - Date.now();
    const skewed = { now: () => new Date(Date.now() + offset) };
    let issuedAt = 0;
    let settledAt = 0;
    const fake = fakeHandlers({
      // 200 ms window on the skewed clock; measured with Date.now() it would be years long.
      issueCredentials: () => {
        issuedAt = Date.now();
        return { startsAt: skewed.now().toISOString(), expiresAt: new Date(skewed.now().getTime() + 200).toISOString() };
      },
      settleRequest: () => {
        settledAt = Date.now();
      },
    });
    const wf = localWorkflow(fake.handlers, { timeScale: 1, clock: skewed });
    const arn = await wf.start({ requestId: 'req-clock', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-clock'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.at(-1)).toBe(StateName.ACCESS_EXPIRED);
    expect(settledAt - issuedAt).toBeGreaterThanOrEqual(180);
    expect(settledAt - issuedAt).toBeLessThan(1_000);
  });

  it('deny path: records DENIED and issues nothing', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-deny', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-deny'), { decision: 'denied', decidedBy: ['erin@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.APPROVED_CHOICE, StateName.RECORD_DENIAL, StateName.REQUEST_DENIED]);
    expect(done.stateTransitions).toBe(5);
    expect(fake.fns()).toEqual(['notifyApprovers', 'settleRequest']);
    expect(fake.calls[1]?.payload).toEqual({ requestId: 'req-deny', outcome: 'DENIED' });
  });

  it('timeout path (scaled): records TIMED_OUT, and a late decision is refused as WORKFLOW_TASK_CLOSED', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    // 3600 s at 1e-4 = 360 ms.
    const arn = await wf.start({ requestId: 'req-timeout', approvalTimeoutSeconds: 3_600 });
    const token = await fake.tokenFor('req-timeout');
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.RECORD_TIMEOUT, StateName.APPROVAL_TIMED_OUT]);
    expect(done.stateTransitions).toBe(4);
    expect(fake.calls.map((c) => c.payload)).toEqual([
      { requestId: 'req-timeout', approvalTimeoutSeconds: 3_600, taskToken: token },
      { requestId: 'req-timeout', outcome: 'TIMED_OUT' },
    ]);
    expect(done.output).toMatchObject({ error: { Error: 'States.Timeout' } });
    await expectTaskClosed(wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] }));
  });

  it('timeout path (unscaled): the TimeoutSecondsPath value itself times the wait out', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers, { timeScale: 1 });
    const started = Date.now();
    const arn = await wf.start({ requestId: 'req-timeout-1s', approvalTimeoutSeconds: 1 });
    const done = await wf.whenSettled(arn);

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(done.statesEntered).toEqual([...PREFIX, StateName.RECORD_TIMEOUT, StateName.APPROVAL_TIMED_OUT]);
    expect(fake.calls[1]?.payload).toEqual({ requestId: 'req-timeout-1s', outcome: 'TIMED_OUT' });
  });

  it('cancel path: Broker.Cancelled ends in Cancelled without settling; a second abort is a no-op', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-cancel', approvalTimeoutSeconds: 14_400 });
    const token = await fake.tokenFor('req-cancel');
    await wf.abort(token, WORKFLOW_CANCELLED_ERROR, 'Cancelled by the requester');
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.CANCELLED]);
    expect(done.stateTransitions).toBe(3);
    expect(fake.fns()).toEqual(['notifyApprovers']);
    expect(done.output).toMatchObject({ error: { Error: 'Broker.Cancelled', Cause: 'Cancelled by the requester' } });
    await expect(wf.abort(token, WORKFLOW_CANCELLED_ERROR, 'again')).resolves.toBeUndefined();
    await expectTaskClosed(wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] }));
  });

  it('issue failure: Record failure gets the error and the Lambda-style cause, and the execution FAILS', async () => {
    const fake = fakeHandlers({
      issueCredentials: () => {
        throw named('AccessDenied', 'not authorized to perform sts:AssumeRole');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-fail', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-fail'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('FAILED');
    expect(done.statesEntered).toEqual([
      ...PREFIX,
      StateName.APPROVED_CHOICE,
      StateName.ISSUE_CREDENTIALS,
      StateName.RECORD_FAILURE,
      StateName.REQUEST_FAILED,
    ]);
    expect(done.stateTransitions).toBe(6);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials', 'settleRequest']);
    const settle = fake.calls[2]?.payload as Extract<SettleRequestPayload, { outcome: 'FAILED' }>;
    expect(settle).toEqual({ requestId: 'req-fail', outcome: 'FAILED', error: 'AccessDenied', cause: expect.any(String) });
    expect(JSON.parse(settle.cause)).toMatchObject({ errorType: 'AccessDenied', errorMessage: 'not authorized to perform sts:AssumeRole' });
    // The Fail state re-raises the original error, so alarms and the console show the real reason.
    expect(done.error).toBe('AccessDenied');
    expect(done.cause).toBe(settle.cause);
  });

  it('a failing failure recorder still ends in the Fail state with the original error', async () => {
    const fake = fakeHandlers({
      issueCredentials: () => {
        throw named('AccessDenied', 'denied');
      },
      settleRequest: () => {
        throw new Error('table unavailable');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-fail-twice', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-fail-twice'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('FAILED');
    expect(done.statesEntered.slice(-2)).toEqual([StateName.RECORD_FAILURE, StateName.REQUEST_FAILED]);
    expect(done.error).toBe('AccessDenied');
  });

  it('NotifyApprovers failing fails the request (nobody could ever approve it)', async () => {
    const fake = fakeHandlers({
      notifyApprovers: () => {
        throw new Error('SNS publish failed');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-notify-fail', approvalTimeoutSeconds: 14_400 });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('FAILED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.RECORD_FAILURE, StateName.REQUEST_FAILED]);
    expect(fake.calls[1]?.payload).toMatchObject({ requestId: 'req-notify-fail', outcome: 'FAILED', error: 'Error' });
  });

  it('throttled issuance is retried with backoff and still reaches expiry', async () => {
    let attempts = 0;
    const fake = fakeHandlers({
      issueCredentials: () => {
        attempts += 1;
        if (attempts === 1) throw named(WORKFLOW_THROTTLED_ERROR, 'Rate exceeded');
        return { startsAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 1000).toISOString() };
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-throttled', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-throttled'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.at(-1)).toBe(StateName.ACCESS_EXPIRED);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials', 'issueCredentials', 'notifyRequester', 'settleRequest']);
    expect(done.retries).toBe(1);
    // 8 states entered + 1 retry: a retry is a billed transition.
    expect(done.stateTransitions).toBe(9);
  });

  it('a failed requester notification does not cancel the granted window', async () => {
    const fake = fakeHandlers({
      notifyRequester: () => {
        throw new Error('mail bounced');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-mail', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-mail'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.slice(-3)).toEqual([StateName.WAIT_FOR_EXPIRY, StateName.EXPIRE_ACCESS, StateName.ACCESS_EXPIRED]);
    expect(fake.calls.at(-1)?.payload).toEqual({ requestId: 'req-mail', outcome: 'EXPIRED' });
    expect(done.output).toMatchObject({ notifyRequesterError: { Error: 'Error' } });
  });

  it('a request closed before issuance ends quietly in Request already closed', async () => {
    const fake = fakeHandlers({
      issueCredentials: () => {
        throw named(WORKFLOW_REQUEST_CLOSED_ERROR, 'request is CANCELLED');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-closed', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-closed'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.slice(-2)).toEqual([StateName.ISSUE_CREDENTIALS, StateName.REQUEST_ALREADY_CLOSED]);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials']);
  });

  it('a window end that is not an RFC 3339 timestamp fails the execution (States.Runtime), scaled or not', async () => {
    const fake = fakeHandlers({ issueCredentials: () => ({ startsAt: 'now', expiresAt: '2030-01-01 10:00' }) });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-bad-window', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-bad-window'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('States.Runtime');
    expect(done.statesEntered.at(-1)).toBe(StateName.WAIT_FOR_EXPIRY);
  });

  it('start is idempotent on the request id: same ARN, one run', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const first = await wf.start({ requestId: 'req-once', approvalTimeoutSeconds: 14_400 });
    const second = await wf.start({ requestId: 'req-once', approvalTimeoutSeconds: 14_400 });
    await fake.tokenFor('req-once');

    expect(second).toBe(first);
    expect(wf.executions().map((e) => e.executionArn)).toEqual([first]);
    expect(fake.fns()).toEqual(['notifyApprovers']);
  });

  it('a decision on an unknown or already used token is WORKFLOW_TASK_CLOSED', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    await expectTaskClosed(wf.sendDecision('local-not-a-token', { decision: 'approved', decidedBy: ['carol@example.com'] }));

    const arn = await wf.start({ requestId: 'req-twice', approvalTimeoutSeconds: 14_400 });
    const token = await fake.tokenFor('req-twice');
    await wf.sendDecision(token, { decision: 'denied', decidedBy: ['carol@example.com'] });
    await expectTaskClosed(wf.sendDecision(token, { decision: 'approved', decidedBy: ['erin@example.com'] }));
    expect((await wf.whenSettled(arn)).statesEntered.at(-1)).toBe(StateName.REQUEST_DENIED);
  });

  it('NotifyApprovers may decide before it returns (auto-approval), as the token is live during the call', async () => {
    let wf: LocalWorkflow | undefined;
    const fake = fakeHandlers({
      notifyApprovers: (p) => wf?.sendDecision(p.taskToken, { decision: 'approved', decidedBy: ['auto-approval'] }),
    });
    wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-auto', approvalTimeoutSeconds: 14_400 });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toContain(StateName.ISSUE_CREDENTIALS);
  });

  it('a retried callback attempt gets a fresh token and the old one is dead, as in AWS', async () => {
    const tokens: string[] = [];
    const fake = fakeHandlers({
      notifyApprovers: (p) => {
        tokens.push(p.taskToken);
        if (tokens.length === 1) throw named('Lambda.ServiceException', 'Lambda is unavailable');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-retry-notify', approvalTimeoutSeconds: 14_400 });
    const second = await fake.tokenFor('req-retry-notify');

    expect(tokens).toEqual([expect.any(String), second]);
    expect(tokens[0]).not.toBe(second);
    await expectTaskClosed(wf.sendDecision(tokens[0] as string, { decision: 'approved', decidedBy: ['carol@example.com'] }));
    await wf.sendDecision(second, { decision: 'denied', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);
    expect(done.retries).toBe(1);
    expect(done.stateTransitions).toBe(6);
    expect(done.statesEntered.at(-1)).toBe(StateName.REQUEST_DENIED);
  });

  it('each execution gets its own task token', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    await wf.start({ requestId: 'req-a', approvalTimeoutSeconds: 14_400 });
    await wf.start({ requestId: 'req-b', approvalTimeoutSeconds: 14_400 });
    const [a, b] = await Promise.all([fake.tokenFor('req-a'), fake.tokenFor('req-b')]);
    expect(a).not.toBe(b);
  });

  it('stopAll aborts waiting executions without running any further task', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-stop', approvalTimeoutSeconds: 14_400 });
    const token = await fake.tokenFor('req-stop');
    await wf.stopAll();

    const done = await wf.whenSettled(arn);
    expect(done.status).toBe('ABORTED');
    expect(done.statesEntered).toEqual(PREFIX);
    expect(fake.fns()).toEqual(['notifyApprovers']);
    await expectTaskClosed(wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] }));
  });

  it('refuses what Step Functions or the local timers cannot do', async () => {
    const wf = localWorkflow(fakeHandlers().handlers);
    await expect(wf.start({ requestId: 'has space', approvalTimeoutSeconds: 60 })).rejects.toThrow(/Invalid execution name/);
    await expect(wf.start({ requestId: 'req-long', approvalTimeoutSeconds: 30 * 86_400 })).rejects.toThrow(RangeError);
    expect(() => createLocalWorkflow({ handlers: fakeHandlers().handlers, timeScale: 2 })).toThrow(RangeError);
  });
});
