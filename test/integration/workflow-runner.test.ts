import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../shared/domain/errors';
import {
  accessWaitOutput,
  type HoldAccessPayload,
  type IssueCredentialsResult,
  type NotifyApproversPayload,
  type SettleRequestPayload,
} from '../../shared/workflow/payloads';
import {
  StateName,
  WORKFLOW_CANCELLED_ERROR,
  WORKFLOW_REQUEST_CLOSED_ERROR,
  WORKFLOW_TASK_CLOSED,
  WORKFLOW_THROTTLED_ERROR,
  WORKFLOW_WINDOW_MOVED_ERROR,
} from '../../shared/workflow/state-machine';
import { createLocalWorkflow, retryBackoffMs, type LocalWorkflow, type LocalWorkflowOptions, type WorkflowHandlers } from '../../local/workflow-runner';
import { loadStateMachineDefinition } from '../../shared/workflow/state-machine';
import { movableClock, type MovableClock } from '../helpers/broker';

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
  /** expiresAt of each request's window, as the fake IssueCredentials returned it. */
  const windows = new Map<string, string>();
  /** Each request's latest hold token (the end-of-access wait), resolved when HoldAccess stores it. */
  const holds = new Map<string, { token: Promise<string>; resolve: (t: string) => void }>();
  const holdFor = (requestId: string) => {
    let entry = holds.get(requestId);
    if (!entry) {
      let resolve!: (t: string) => void;
      const token = new Promise<string>((r) => (resolve = r));
      entry = { token, resolve };
      holds.set(requestId, entry);
    }
    return entry;
  };
  const handlers: WorkflowHandlers = {
    notifyApprovers: record('notifyApprovers', async (p: NotifyApproversPayload) => {
      await overrides.notifyApprovers?.(p);
      notifiedPayload(p.requestId);
      waiting.get(p.requestId)?.(p);
      return { notified: 2 };
    }),
    issueCredentials: record('issueCredentials', async (p) => {
      const result = overrides.issueCredentials
        ? await overrides.issueCredentials(p)
        : ({ startsAt: time.clock.now().toISOString(), expiresAt: new Date(time.clock.now().getTime() + HOUR_MS).toISOString() } satisfies IssueCredentialsResult);
      windows.set(p.requestId, result.expiresAt);
      return result;
    }),
    notifyRequester: record('notifyRequester', (p) => overrides.notifyRequester?.(p) ?? { sent: true }),
    settleRequest: record('settleRequest', (p: SettleRequestPayload) => overrides.settleRequest?.(p) ?? { status: p.outcome }),
    holdAccess: record('holdAccess', async (p: HoldAccessPayload) => {
      if (overrides.holdAccess) return overrides.holdAccess(p);
      if (p.step === 'measure') {
        const expiresAt = windows.get(p.requestId) as string;
        return { secondsLeft: Math.max(0, Math.ceil((Date.parse(expiresAt) - time.clock.now().getTime()) / 1000)), expiresAt };
      }
      const entry = holdFor(p.requestId);
      holds.delete(p.requestId);
      entry.resolve(p.taskToken);
      return { held: true };
    }),
  };
  /** The task token NotifyApprovers was given for this request. */
  const tokenFor = async (requestId: string) => (await notifiedPayload(requestId)).taskToken;
  /** The next (or current) hold token HoldAccess stores for this request. */
  const holdTokenFor = (requestId: string) => holdFor(requestId).token;
  return { handlers, calls, tokenFor, holdTokenFor, windows, fns: () => calls.map((c) => c.fn) };
}

let workflow: LocalWorkflow | undefined;
/** The runner's time in each test: pauses end only when the test advances it. */
let time: MovableClock;
afterEach(async () => {
  await workflow?.stopAll();
  workflow = undefined;
});

function localWorkflow(handlers: WorkflowHandlers, options: Omit<LocalWorkflowOptions, 'handlers'> = {}) {
  time = movableClock();
  workflow = createLocalWorkflow({ handlers, timer: time.timer, ...options });
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

/** The access window's pause: an hour less the few real milliseconds since issuance. */
const aboutAnHour = (ms: number) => ms > HOUR_MS - 5_000 && ms <= HOUR_MS;

const PREFIX = [StateName.REMINDERS_CHOICE, StateName.PREPARE_APPROVAL_WAIT, StateName.WAIT_FOR_DECISION];

describe('local approval workflow (the real ASL in aws-local-stepfunctions)', () => {
  it('approve path: issues, notifies the requester, holds the window open, then expires', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);

    const arn = await wf.start({ requestId: 'req-approve', approvalTimeoutSeconds: 14_400 });
    expect(arn).toBe('arn:aws:states:local:000000000000:execution:approval-workflow:req-approve');
    const token = await fake.tokenFor('req-approve');
    const holdToken = fake.holdTokenFor('req-approve');
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    // The approval timeout, pending on the runner's timer.
    expect(time.pending()).toEqual([14_400_000]);
    await wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] });
    // The window: the whole hour is pending, and nothing is settled before it has passed.
    await time.sleeping(aboutAnHour);
    expect(time.pending()).toEqual([expect.closeTo(HOUR_MS, -3)]);
    await time.advance(HOUR_MS - 60_000);
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    expect(fake.fns()).not.toContain('settleRequest');
    await time.advance(60_000);
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([
      ...PREFIX,
      StateName.APPROVED_CHOICE,
      StateName.SCHEDULED_CHOICE,
      StateName.ISSUE_CREDENTIALS,
      StateName.NOTIFY_REQUESTER,
      StateName.MEASURE_WINDOW,
      StateName.WINDOW_OPEN_CHOICE,
      StateName.HOLD_ACCESS,
      StateName.EXPIRE_ACCESS,
      StateName.REVIEW_CHOICE,
      StateName.ACCESS_EXPIRED,
    ]);
    expect(done.stateTransitions).toBe(13);
    expect(done.retries).toBe(0);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials', 'notifyRequester', 'holdAccess', 'holdAccess', 'settleRequest']);
    expect(fake.calls.map((c) => c.payload)).toEqual([
      { requestId: 'req-approve', approvalTimeoutSeconds: 14_400, waitSeconds: 14_400, taskToken: token, reminder: 0 },
      { requestId: 'req-approve' },
      { requestId: 'req-approve', event: 'granted' },
      { requestId: 'req-approve', step: 'measure' },
      { requestId: 'req-approve', step: 'hold', secondsLeft: 3_600, expiresAt: fake.windows.get('req-approve'), taskToken: await holdToken },
      { requestId: 'req-approve', outcome: 'EXPIRED' },
    ]);
    // A hold whose timeout fired is closed: a late revoke or extension finds nothing waiting.
    await expect(wf.resumeAccessWait(await holdToken, accessWaitOutput('revoked'))).resolves.toBe('closed');
    expect(token).toMatch(/^local-[A-Za-z0-9_-]{64}$/);
    // The decision lands in $.decision unwrapped (no Payload), the window in $.grant.
    expect(done.output).toMatchObject({
      requestId: 'req-approve',
      decision: { decision: 'approved', decidedBy: ['carol@example.com'] },
      grant: { startsAt: expect.any(String), expiresAt: expect.any(String) },
    });
    expect(Date.parse(done.stopDate as string) - Date.parse(done.startDate)).toBeGreaterThanOrEqual(HOUR_MS);
  });

  it('timeScale shortens the window and the approval timeout (npm start -- --time-scale)', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers, { timeScale: 1e-4 });
    const arn = await wf.start({ requestId: 'req-scaled', approvalTimeoutSeconds: 14_400 });
    const token = await fake.tokenFor('req-scaled');
    expect(time.pending()).toEqual([1_440]);
    await wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] });
    await time.sleeping((ms) => ms > 350);
    expect(time.pending()).toEqual([expect.closeTo(360, 0)]);
    await time.advance(360);
    expect((await wf.whenSettled(arn)).statesEntered.at(-1)).toBe(StateName.ACCESS_EXPIRED);
  });

  it('the hold times out after exactly the seconds HoldAccess measured (its clock, not the runner\'s)', async () => {
    const fake = fakeHandlers({
      holdAccess: (p) => (p.step === 'measure' ? { secondsLeft: 120, expiresAt: '2030-06-01T12:02:00.000Z' } : { held: true }),
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-clock', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-clock'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    await time.sleeping((ms) => ms === 120_000);
    expect(time.pending()).toEqual([120_000]);
    // The movable clock also runs in real time (Date.now() + offset), so a loaded machine can
    // spend milliseconds between the pause starting and this line: one second short of the end
    // still proves the hold does not end early, without depending on that.
    await time.advance(119_000);
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    await time.advance(1_000);
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.at(-1)).toBe(StateName.ACCESS_EXPIRED);
  });

  it('revoked: SendTaskSuccess {"outcome":"revoked"} on the hold token ends the workflow in Access revoked, settling nothing', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-revoke', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-revoke'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const hold = await fake.holdTokenFor('req-revoke');
    await expect(wf.resumeAccessWait(hold, accessWaitOutput('revoked'))).resolves.toBe('resumed');
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.slice(-3)).toEqual([StateName.HOLD_OUTCOME_CHOICE, StateName.REVIEW_AFTER_REVOKE_CHOICE, StateName.ACCESS_REVOKED]);
    expect(fake.fns()).not.toContain('settleRequest');
    expect(done.output).toMatchObject({ hold: { outcome: 'revoked' } });
    // The hold's own timeout was cancelled with it: nothing is left pending.
    expect(time.pending()).toEqual([]);
    await expect(wf.resumeAccessWait(hold, accessWaitOutput('revoked'))).resolves.toBe('closed');
  });

  it('extended: {"outcome":"extended"} measures the window again and holds until the new end', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-extend', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-extend'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const first = await fake.holdTokenFor('req-extend');
    await time.advance(30 * 60_000);
    // What an extension does: move expiresAt (here one more hour), then resume the hold.
    fake.windows.set('req-extend', new Date(Date.parse(fake.windows.get('req-extend') as string) + HOUR_MS).toISOString());
    const second = fake.holdTokenFor('req-extend');
    await expect(wf.resumeAccessWait(first, accessWaitOutput('extended'))).resolves.toBe('resumed');
    expect(await second).not.toBe(first);
    await time.sleeping((ms) => ms > HOUR_MS);
    expect(time.pending()).toEqual([90 * 60_000]);
    await time.advance(90 * 60_000 - 1_000);
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    await time.advance(1_000);
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.slice(-8)).toEqual([
      StateName.HOLD_ACCESS,
      StateName.HOLD_OUTCOME_CHOICE,
      StateName.MEASURE_WINDOW,
      StateName.WINDOW_OPEN_CHOICE,
      StateName.HOLD_ACCESS,
      StateName.EXPIRE_ACCESS,
      StateName.REVIEW_CHOICE,
      StateName.ACCESS_EXPIRED,
    ]);
  });

  it('a request no longer ACTIVE when the hold begins ends quietly in Access already ended', async () => {
    const fake = fakeHandlers({
      holdAccess: (p) => {
        if (p.step === 'measure') return { secondsLeft: 3_600, expiresAt: '2030-01-01T10:00:00.000Z' };
        throw named(WORKFLOW_REQUEST_CLOSED_ERROR, 'Request req-closed-hold is REVOKED');
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-closed-hold', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-closed-hold'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.slice(-2)).toEqual([StateName.HOLD_ACCESS, StateName.ACCESS_ALREADY_ENDED]);
    expect(fake.fns()).not.toContain('settleRequest');
  });

  it('an extension racing the hold (Broker.WindowMoved) measures the window again instead of holding until the old end', async () => {
    let holds = 0;
    let secondHold!: () => void;
    const heldAgain = new Promise<void>((resolve) => (secondHold = resolve));
    const fake = fakeHandlers({
      holdAccess: (p) => {
        if (p.step === 'measure') return { secondsLeft: 60, expiresAt: '2030-01-01T10:00:00.000Z' };
        holds += 1;
        if (holds === 1) throw named(WORKFLOW_WINDOW_MOVED_ERROR, 'the window moved');
        secondHold();
        return { held: true };
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-moved', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-moved'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    // The second hold's timeout is pending once its function runs (the callback opens first).
    await heldAgain;
    expect(time.pending()).toEqual([60_000]);
    await time.advance(60_000);
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.slice(-7)).toEqual([
      StateName.HOLD_ACCESS,
      StateName.MEASURE_WINDOW,
      StateName.WINDOW_OPEN_CHOICE,
      StateName.HOLD_ACCESS,
      StateName.EXPIRE_ACCESS,
      StateName.REVIEW_CHOICE,
      StateName.ACCESS_EXPIRED,
    ]);
  });

  it('a window with no whole second left expires without holding', async () => {
    const fake = fakeHandlers({ holdAccess: () => ({ secondsLeft: 0, expiresAt: '2030-01-01T10:00:00.000Z' }) });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-no-time', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-no-time'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.slice(-4)).toEqual([StateName.WINDOW_OPEN_CHOICE, StateName.EXPIRE_ACCESS, StateName.REVIEW_CHOICE, StateName.ACCESS_EXPIRED]);
  });

  it('deny path: records DENIED and issues nothing', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-deny', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-deny'), { decision: 'denied', decidedBy: ['erin@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.APPROVED_CHOICE, StateName.RECORD_DENIAL, StateName.REQUEST_DENIED]);
    expect(done.stateTransitions).toBe(6);
    expect(fake.fns()).toEqual(['notifyApprovers', 'settleRequest']);
    expect(fake.calls[1]?.payload).toEqual({ requestId: 'req-deny', outcome: 'DENIED' });
  });

  it('timeout path (scaled): records TIMED_OUT, and a late decision is refused as WORKFLOW_TASK_CLOSED', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers, { timeScale: 1e-4 });
    // 3600 s at 1e-4 = 360 ms.
    const arn = await wf.start({ requestId: 'req-timeout', approvalTimeoutSeconds: 3_600 });
    const token = await fake.tokenFor('req-timeout');
    await time.advance(360);
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered).toEqual([...PREFIX, StateName.REMIND_CHOICE, StateName.RECORD_TIMEOUT, StateName.APPROVAL_TIMED_OUT]);
    expect(done.stateTransitions).toBe(6);
    expect(fake.calls.map((c) => c.payload)).toEqual([
      { requestId: 'req-timeout', approvalTimeoutSeconds: 3_600, waitSeconds: 3_600, taskToken: token, reminder: 0 },
      { requestId: 'req-timeout', outcome: 'TIMED_OUT' },
    ]);
    expect(done.output).toMatchObject({ error: { Error: 'States.Timeout' } });
    await expectTaskClosed(wf.sendDecision(token, { decision: 'approved', decidedBy: ['carol@example.com'] }));
  });

  it('timeout path (unscaled): the TimeoutSecondsPath value itself times the wait out', async () => {
    const fake = fakeHandlers();
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-timeout-1h', approvalTimeoutSeconds: 3_600 });
    await fake.tokenFor('req-timeout-1h');
    await time.advance(3_600_000 - 1_000);
    expect(wf.describe(arn)?.status).toBe('RUNNING');
    await time.advance(1_000);
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered).toEqual([...PREFIX, StateName.REMIND_CHOICE, StateName.RECORD_TIMEOUT, StateName.APPROVAL_TIMED_OUT]);
    expect(fake.calls[1]?.payload).toEqual({ requestId: 'req-timeout-1h', outcome: 'TIMED_OUT' });
    expect(Date.parse(done.stopDate as string) - Date.parse(done.startDate)).toBeGreaterThanOrEqual(3_600_000);
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
    expect(done.stateTransitions).toBe(4);
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
      StateName.SCHEDULED_CHOICE,
      StateName.ISSUE_CREDENTIALS,
      StateName.RECORD_FAILURE,
      StateName.REQUEST_FAILED,
    ]);
    expect(done.stateTransitions).toBe(8);
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
        return { startsAt: time.clock.now().toISOString(), expiresAt: new Date(time.clock.now().getTime() + 1000).toISOString() };
      },
    });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-throttled', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-throttled'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    // The ASL's backoff for Broker.Throttled: IntervalSeconds 1 with full jitter, on the runner's timer.
    await time.sleeping();
    const [backoff] = time.pending();
    expect(backoff).toBeGreaterThanOrEqual(0);
    expect(backoff).toBeLessThanOrEqual(1_000);
    expect(attempts).toBe(1);
    await time.advance(1_000);
    await time.sleeping();
    expect(attempts).toBe(2);
    await time.advance(1_000);
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.at(-1)).toBe(StateName.ACCESS_EXPIRED);
    expect(fake.fns()).toEqual(['notifyApprovers', 'issueCredentials', 'issueCredentials', 'notifyRequester', 'holdAccess', 'holdAccess', 'settleRequest']);
    expect(done.retries).toBe(1);
    // 10 states entered + 1 retry: a retry is a billed transition.
    expect(done.stateTransitions).toBe(14);
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
    await time.sleeping(aboutAnHour);
    await time.advance(HOUR_MS);
    const done = await wf.whenSettled(arn);

    expect(done.status).toBe('SUCCEEDED');
    expect(done.statesEntered.slice(-3)).toEqual([StateName.EXPIRE_ACCESS, StateName.REVIEW_CHOICE, StateName.ACCESS_EXPIRED]);
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

  it('a measured window that is not a number expires at once (never holds access open)', async () => {
    const fake = fakeHandlers({ holdAccess: () => ({ secondsLeft: 'soon', expiresAt: '2030-01-01 10:00' }) });
    const wf = localWorkflow(fake.handlers);
    const arn = await wf.start({ requestId: 'req-bad-window', approvalTimeoutSeconds: 14_400 });
    await wf.sendDecision(await fake.tokenFor('req-bad-window'), { decision: 'approved', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);

    expect(done.statesEntered.slice(-3)).toEqual([StateName.EXPIRE_ACCESS, StateName.REVIEW_CHOICE, StateName.ACCESS_EXPIRED]);
    expect(fake.fns().filter((f) => f === 'holdAccess')).toHaveLength(1);
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
    await time.sleeping(aboutAnHour);
    await time.advance(HOUR_MS);
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
    // Lambda.ServiceException: IntervalSeconds 2 with full jitter.
    await time.sleeping((ms) => ms <= 2_000);
    expect(time.pending()[0]).toBeLessThanOrEqual(2_000);
    await time.advance(2_000);
    const second = await fake.tokenFor('req-retry-notify');

    expect(tokens).toEqual([expect.any(String), second]);
    expect(tokens[0]).not.toBe(second);
    await expectTaskClosed(wf.sendDecision(tokens[0] as string, { decision: 'approved', decidedBy: ['carol@example.com'] }));
    await wf.sendDecision(second, { decision: 'denied', decidedBy: ['carol@example.com'] });
    const done = await wf.whenSettled(arn);
    expect(done.retries).toBe(1);
    expect(done.stateTransitions).toBe(7);
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

  it('stopAll returns only after a function the workflow invoked has returned (its table must still be open)', async () => {
    // NotifyApprovers has sent its mail but is still writing (local mode's close then closes DynamoDB).
    let finish!: () => void;
    const writing = new Promise<void>((resolve) => (finish = resolve));
    const order: string[] = [];
    let called!: () => void;
    const invoked = new Promise<void>((resolve) => (called = resolve));
    const fake = fakeHandlers({
      notifyApprovers: async () => {
        called();
        await writing;
        order.push('notifyApprovers returned');
        return { notified: 2 } as never;
      },
    });
    const wf = localWorkflow(fake.handlers);
    await wf.start({ requestId: 'req-stop-busy', approvalTimeoutSeconds: 14_400 });
    await invoked;
    const stopped = wf.stopAll().then(() => order.push('stopAll returned'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(order).toEqual([]);
    finish();
    await stopped;
    expect(order).toEqual(['notifyApprovers returned', 'stopAll returned']);
  });

  it("computes retry backoff as Step Functions does from the ASL's Retry list (interval, rate, cap, attempts, jitter)", () => {
    const retry = loadStateMachineDefinition().States[StateName.ISSUE_CREDENTIALS]!.Retry;
    const attempts = new Map<string, number[]>();
    const noJitter = () => 1;
    const next = (name: string) => retryBackoffMs(retry, named(name, 'x'), attempts, 'issue', noJitter);
    // Broker.Throttled: 1 s doubling, capped at 30 s, 5 attempts.
    expect([1, 2, 3, 4, 5, 6].map(() => next(WORKFLOW_THROTTLED_ERROR))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, undefined]);
    // Lambda.ServiceException has its own retrier and count: 2 s doubling, 6 attempts.
    expect([1, 2, 3].map(() => next('Lambda.ServiceException'))).toEqual([2_000, 4_000, 8_000]);
    // Full jitter draws from [0, interval].
    expect(retryBackoffMs(retry, named('Lambda.ServiceException', 'x'), new Map(), 'issue', () => 0.25)).toBe(500);
    // Errors no retrier names, and errors marked not retryable, are not retried.
    expect(next('AccessDenied')).toBeUndefined();
    expect(retryBackoffMs(retry, Object.assign(named(WORKFLOW_THROTTLED_ERROR, 'x'), { isRetryable: false }), new Map(), 'issue')).toBeUndefined();
    const capped = retryBackoffMs([{ ErrorEquals: ['States.ALL'], IntervalSeconds: 20, BackoffRate: 2, MaxDelaySeconds: 30, MaxAttempts: 3 }], named('Any', 'x'), new Map([['s', [1]]]), 's');
    expect(capped).toBe(30_000);
  });

  it('refuses what Step Functions or the local timers cannot do', async () => {
    const wf = localWorkflow(fakeHandlers().handlers);
    await expect(wf.start({ requestId: 'has space', approvalTimeoutSeconds: 60 })).rejects.toThrow(/Invalid execution name/);
    await expect(wf.start({ requestId: 'req-long', approvalTimeoutSeconds: 30 * 86_400 })).rejects.toThrow(RangeError);
    expect(() => createLocalWorkflow({ handlers: fakeHandlers().handlers, timeScale: 2 })).toThrow(RangeError);
  });
});
