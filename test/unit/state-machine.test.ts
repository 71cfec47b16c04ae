import { createRequire } from 'node:module';
import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import type { AslDefinition, AslState } from '../../shared/workflow/asl-types';
import {
  catchProblems,
  heartbeatProblems,
  missingTargetProblems,
  retryProblems,
  timeoutProblems,
  unreachableStates,
} from '../../shared/workflow/definition-checks';
import { AccessWaitOutcome, accessWaitOutput } from '../../shared/workflow/payloads';
import { readReferencePath } from '../../shared/workflow/reference-path';
import {
  LAMBDA_SERVICE_ERRORS,
  LOCAL_FUNCTION_ARNS,
  StateName,
  WORKFLOW_CANCELLED_ERROR,
  WORKFLOW_REQUEST_CLOSED_ERROR,
  WORKFLOW_THROTTLED_ERROR,
  WORKFLOW_TRANSIENT_ERROR,
  WORKFLOW_WINDOW_MOVED_ERROR,
  loadRawStateMachineDefinition,
  loadStateMachineDefinition,
} from '../../shared/workflow/state-machine';

// asl-validator ships CommonJS without types: load it the way Node does and type what we use.
type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

const definition = loadStateMachineDefinition();
const state = (name: string): AslState => {
  const found = definition.States[name];
  if (!found) throw new Error(`no state "${name}"`);
  return found;
};
const taskNames = Object.entries(definition.States)
  .filter(([, s]) => s.Type === 'Task')
  .map(([name]) => name);

/** A minimal machine to feed the checks, so they are seen to fail as well as pass. */
function machine(states: Record<string, Partial<AslState>>, startAt = Object.keys(states)[0] as string): AslDefinition {
  return { StartAt: startAt, States: states as Record<string, AslState> };
}

describe('approval workflow definition', () => {
  it('is valid ASL, both as written (placeholders) and with ARNs substituted', () => {
    for (const candidate of [loadRawStateMachineDefinition(), definition]) {
      const { isValid, errorsText } = aslValidator(candidate, { checkArn: true, checkPaths: true });
      expect(errorsText()).toBe('');
      expect(isValid).toBe(true);
    }
  });

  it('substitutes every function placeholder, and refuses to leave one unfilled', () => {
    const raw = JSON.stringify(loadRawStateMachineDefinition());
    expect(raw.match(/\$\{[A-Za-z]+\}/g)?.sort()).toEqual(
      expect.arrayContaining(Object.keys(LOCAL_FUNCTION_ARNS).map((name) => `\${${name}}`)),
    );
    expect(JSON.stringify(definition)).not.toMatch(/\$\{/);
    expect(state(StateName.ISSUE_CREDENTIALS).Parameters?.FunctionName).toBe(LOCAL_FUNCTION_ARNS.IssueCredentialsFunctionArn);

    const real = loadStateMachineDefinition({
      NotifyApproversFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-notifyApprovers',
      IssueCredentialsFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-issueCredentials',
      NotifyRequesterFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-notifyRequester',
      SettleRequestFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-settleRequest',
      HoldAccessFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-holdAccess',
    });
    expect(real.States[StateName.EXPIRE_ACCESS]?.Parameters?.FunctionName).toBe(
      'arn:aws:lambda:eu-west-1:123456789012:function:broker-prod-settleRequest',
    );
    expect(() => loadStateMachineDefinition({ NotifyApproversFunctionArn: 'x' })).toThrow(
      'approval-workflow.asl.json: no substitution for placeholder ${IssueCredentialsFunctionArn}',
    );
  });

  it('has exactly the states named by the StateName constants', () => {
    expect(Object.keys(definition.States).sort()).toEqual(Object.values(StateName).sort());
    expect(definition.StartAt).toBe(StateName.REMINDERS_CHOICE);
  });

  it('keeps every heartbeat below its timeout', () => {
    expect(heartbeatProblems(definition)).toEqual([]);
  });

  it('gives every Task a timeout (the interpreter would otherwise cut it at 60 s, AWS never)', () => {
    expect(timeoutProblems(definition)).toEqual([]);
    const callbackWaits: string[] = [StateName.WAIT_FOR_DECISION, StateName.REMIND_1, StateName.REMIND_2, StateName.HOLD_ACCESS];
    for (const name of taskNames.filter((n) => !callbackWaits.includes(n))) {
      const timeout = state(name).TimeoutSeconds as number;
      expect(timeout, name).toBeGreaterThanOrEqual(60);
      expect(timeout, name).toBeLessThanOrEqual(120);
    }
    for (const name of [StateName.WAIT_FOR_DECISION, StateName.REMIND_1, StateName.REMIND_2]) expect(state(name).TimeoutSecondsPath, name).toBe('$.Payload.waitSeconds');
    expect(state(StateName.HOLD_ACCESS).TimeoutSecondsPath).toBe('$.Payload.secondsLeft');
  });

  it('retries Lambda service errors, Broker.Throttled and Broker.Transient with backoff on every Task', () => {
    expect(retryProblems(definition, LAMBDA_SERVICE_ERRORS)).toEqual([]);
    expect(retryProblems(definition, [WORKFLOW_THROTTLED_ERROR, WORKFLOW_TRANSIENT_ERROR])).toEqual([]);
    for (const name of taskNames) {
      const [lambda, throttled, ...rest] = state(name).Retry ?? [];
      expect(lambda, name).toEqual({
        ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      });
      expect(throttled?.ErrorEquals, name).toEqual([WORKFLOW_THROTTLED_ERROR, WORKFLOW_TRANSIENT_ERROR]);
      expect(throttled?.BackoffRate, name).toBeGreaterThan(1);
      expect(rest, name).toEqual([]);
    }
  });

  it('catches everything on every Task; the failure recorder falls through to the Fail state', () => {
    expect(catchProblems(definition, [StateName.RECORD_FAILURE])).toEqual([]);
    const recorder = state(StateName.RECORD_FAILURE);
    expect(recorder.Next).toBe(StateName.REQUEST_FAILED);
    expect(recorder.Catch?.map((c) => c.Next)).toEqual([StateName.REQUEST_FAILED]);
    // Its own error must not overwrite $.error, which the Fail state reports.
    expect(recorder.Catch?.[0]?.ResultPath).toBe('$.recordFailureError');
    expect(state(StateName.REQUEST_FAILED)).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  it('has no dangling transition and no unreachable state', () => {
    expect(missingTargetProblems(definition)).toEqual([]);
    expect(unreachableStates(definition)).toEqual([]);
  });

  it('routes the callback wait: timeout, cancel, then anything else, in that order', () => {
    const wait = state(StateName.WAIT_FOR_DECISION);
    expect(wait.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    // The first wait and the two reminders' waits differ only in the reminder number and where a timeout goes.
    const waits: [string, number, string][] = [
      [StateName.WAIT_FOR_DECISION, 0, StateName.REMIND_CHOICE],
      [StateName.REMIND_1, 1, StateName.PREPARE_SECOND_REMINDER],
      [StateName.REMIND_2, 2, StateName.RECORD_TIMEOUT],
    ];
    for (const [name, reminder, onTimeout] of waits) {
      const wait = state(name);
      expect(wait.Resource, name).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
      expect(wait.Parameters?.Payload, name).toEqual({
        'requestId.$': '$.requestId',
        'approvalTimeoutSeconds.$': '$.Payload.approvalTimeoutSeconds',
        'waitSeconds.$': '$.Payload.waitSeconds',
        'taskToken.$': '$$.Task.Token',
        reminder,
      });
      expect(wait.ResultPath, name).toBe('$.decision');
      expect(wait.Next, name).toBe(StateName.APPROVED_CHOICE);
      expect(wait.Catch?.map((c) => [c.ErrorEquals, c.Next]), name).toEqual([
        [['States.Timeout'], onTimeout],
        [[WORKFLOW_CANCELLED_ERROR], StateName.CANCELLED],
        [['States.ALL'], StateName.RECORD_FAILURE],
      ]);
    }
    expect(state(StateName.REMINDERS_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.approvalWaits', IsPresent: true, Next: StateName.PREPARE_APPROVAL_WAIT_WITH_REMINDERS }],
      Default: StateName.PREPARE_APPROVAL_WAIT,
    });
    expect(state(StateName.REMIND_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.approvalWaits', IsPresent: true, Next: StateName.PREPARE_FIRST_REMINDER }],
      Default: StateName.RECORD_TIMEOUT,
    });
    expect(state(StateName.PREPARE_FIRST_REMINDER).Parameters).toEqual({ 'approvalTimeoutSeconds.$': '$.approvalTimeoutSeconds', 'waitSeconds.$': '$.approvalWaits.second' });
    expect(state(StateName.PREPARE_SECOND_REMINDER).Parameters).toEqual({ 'approvalTimeoutSeconds.$': '$.approvalTimeoutSeconds', 'waitSeconds.$': '$.approvalWaits.third' });
    expect(state(StateName.CANCELLED).Type).toBe('Succeed');
    expect(state(StateName.APPROVED_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.decision.decision', StringEquals: 'approved', Next: StateName.SCHEDULED_CHOICE }],
      Default: StateName.RECORD_DENIAL,
    });
    expect(state(StateName.SCHEDULED_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.startsAt', IsPresent: true, Next: StateName.WAIT_FOR_START }],
      Default: StateName.ISSUE_CREDENTIALS,
    });
    expect(state(StateName.WAIT_FOR_START)).toMatchObject({ Type: 'Wait', TimestampPath: '$.startsAt', Next: StateName.ISSUE_CREDENTIALS });
  });

  it('keeps only the window from IssueCredentials, then measures the window left', () => {
    expect(state(StateName.ISSUE_CREDENTIALS)).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { Payload: { 'requestId.$': '$.requestId' } },
      ResultSelector: { 'startsAt.$': '$.Payload.startsAt', 'expiresAt.$': '$.Payload.expiresAt' },
      ResultPath: '$.grant',
      Next: StateName.NOTIFY_REQUESTER,
    });
    expect(state(StateName.NOTIFY_REQUESTER)).toMatchObject({
      Parameters: { Payload: { 'requestId.$': '$.requestId', event: 'granted' } },
      ResultPath: null,
      Next: StateName.MEASURE_WINDOW,
      Catch: [{ ErrorEquals: ['States.ALL'], Next: StateName.MEASURE_WINDOW }],
    });
    expect(state(StateName.MEASURE_WINDOW)).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: LOCAL_FUNCTION_ARNS.HoldAccessFunctionArn, Payload: { 'requestId.$': '$.requestId', step: 'measure' } },
      ResultSelector: { 'secondsLeft.$': '$.Payload.secondsLeft', 'expiresAt.$': '$.Payload.expiresAt' },
      ResultPath: '$.Payload',
      Next: StateName.WINDOW_OPEN_CHOICE,
    });
    expect(state(StateName.MEASURE_WINDOW).Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [[WORKFLOW_REQUEST_CLOSED_ERROR], StateName.ACCESS_ALREADY_ENDED],
      [['States.ALL'], StateName.RECORD_FAILURE],
    ]);
    expect(state(StateName.WINDOW_OPEN_CHOICE)).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.Payload.secondsLeft', NumericGreaterThanEquals: 1, Next: StateName.HOLD_ACCESS }],
      Default: StateName.EXPIRE_ACCESS,
    });
  });

  it('holds access with a callback whose timeout is the window left: timeout expires, revoked ends, extended measures again', () => {
    const hold = state(StateName.HOLD_ACCESS);
    expect(hold.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(hold.Parameters).toEqual({
      FunctionName: LOCAL_FUNCTION_ARNS.HoldAccessFunctionArn,
      Payload: {
        'requestId.$': '$.requestId',
        step: 'hold',
        'secondsLeft.$': '$.Payload.secondsLeft',
        'expiresAt.$': '$.Payload.expiresAt',
        'taskToken.$': '$$.Task.Token',
      },
    });
    expect(hold.TimeoutSecondsPath).toBe('$.Payload.secondsLeft');
    expect(hold.TimeoutSeconds).toBeUndefined();
    expect(hold.ResultPath).toBe('$.hold');
    expect(hold.Catch?.map((c) => [c.ErrorEquals, c.Next])).toEqual([
      [['States.Timeout'], StateName.EXPIRE_ACCESS],
      [[WORKFLOW_REQUEST_CLOSED_ERROR], StateName.ACCESS_ALREADY_ENDED],
      [[WORKFLOW_WINDOW_MOVED_ERROR], StateName.MEASURE_WINDOW],
      [['States.ALL'], StateName.RECORD_FAILURE],
    ]);
    expect(hold.Next).toBe(StateName.HOLD_OUTCOME_CHOICE);
    expect(state(StateName.HOLD_OUTCOME_CHOICE)).toMatchObject({
      Choices: [
        { Variable: '$.hold.outcome', StringEquals: AccessWaitOutcome.REVOKED, Next: StateName.REVIEW_AFTER_REVOKE_CHOICE },
        { Variable: '$.hold.outcome', StringEquals: AccessWaitOutcome.EXTENDED, Next: StateName.MEASURE_WINDOW },
      ],
      Default: StateName.MEASURE_WINDOW,
    });
    expect(state(StateName.ACCESS_REVOKED).Type).toBe('Succeed');
    expect(state(StateName.ACCESS_ALREADY_ENDED).Type).toBe('Succeed');
    expect(JSON.stringify(accessWaitOutput('extended'))).toBe('{"outcome":"extended"}');
    expect(JSON.stringify(accessWaitOutput('revoked'))).toBe('{"outcome":"revoked"}');
  });

  it('settles each outcome with the request id and the outcome', () => {
    const settles: [string, Record<string, unknown>, string][] = [
      [StateName.EXPIRE_ACCESS, { outcome: 'EXPIRED' }, StateName.REVIEW_CHOICE],
      [StateName.RECORD_DENIAL, { outcome: 'DENIED' }, StateName.REQUEST_DENIED],
      [StateName.RECORD_TIMEOUT, { outcome: 'TIMED_OUT' }, StateName.APPROVAL_TIMED_OUT],
      [StateName.RECORD_FAILURE, { outcome: 'FAILED', 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' }, StateName.REQUEST_FAILED],
    ];
    for (const [name, fields, next] of settles) {
      expect(state(name).Parameters, name).toEqual({
        FunctionName: LOCAL_FUNCTION_ARNS.SettleRequestFunctionArn,
        Payload: { 'requestId.$': '$.requestId', ...fields },
      });
      expect(state(name).Next, name).toBe(next);
    }
    // Break-glass access is checked for its review when the review is due, after the window.
    expect(state(StateName.REVIEW_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.reviewDueAt', IsPresent: true, Next: StateName.WAIT_FOR_REVIEW_DUE }],
      Default: StateName.ACCESS_EXPIRED,
    });
    expect(state(StateName.WAIT_FOR_REVIEW_DUE)).toMatchObject({ Type: 'Wait', TimestampPath: '$.reviewDueAt', Next: StateName.CHECK_REVIEW });
    expect(state(StateName.REVIEW_AFTER_REVOKE_CHOICE)).toMatchObject({
      Choices: [{ Variable: '$.reviewDueAt', IsPresent: true, Next: StateName.WAIT_FOR_REVIEW_DUE }],
      Default: StateName.ACCESS_REVOKED,
    });
    expect(state(StateName.CHECK_REVIEW)).toMatchObject({
      Parameters: { FunctionName: LOCAL_FUNCTION_ARNS.NotifyRequesterFunctionArn, Payload: { 'requestId.$': '$.requestId', event: 'review-due' } },
      Next: StateName.REVIEW_CHECKED,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.reviewCheckError', Next: StateName.REVIEW_CHECKED }],
    });
  });

  it.each([
    ['without reminders', { requestId: 'req-1', approvalTimeoutSeconds: 14_400 }, 14_400],
    ['with reminders (up to the first)', { requestId: 'req-1', approvalTimeoutSeconds: 14_400, approvalWaits: { first: 3_600, second: 5_040, third: 5_760 } }, 3_600],
  ])('resolves the wait path against the raw input AND the Parameters output, %s', async (_label, input, waitSeconds) => {
    // AWS reads TimeoutSecondsPath from the state's raw input; aws-local-stepfunctions from the
    // Parameters output. Run the real definition and read the path against both.
    const seen: { raw?: unknown; parameters?: unknown } = {};
    const run = new StateMachine(definition as never, { validationOptions: { noValidate: true } }).run(
      input,
      {
        context: { Task: { Token: 'token-1' } },
        overrides: {
          taskResourceLocalHandlers: {
            [StateName.WAIT_FOR_DECISION]: (input) => {
              seen.parameters = input;
              return { decision: 'denied', decidedBy: ['x'] };
            },
            [StateName.RECORD_DENIAL]: () => ({ Payload: null }),
          },
        },
      },
    );
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered' && event.state.name === StateName.WAIT_FOR_DECISION) seen.raw = event.state.input;
    }
    await run.result;

    const path = state(StateName.WAIT_FOR_DECISION).TimeoutSecondsPath as string;
    expect(readReferencePath(path, seen.raw)).toBe(waitSeconds);
    expect(readReferencePath(path, seen.parameters)).toBe(waitSeconds);
    expect(seen.parameters).toEqual({
      FunctionName: LOCAL_FUNCTION_ARNS.NotifyApproversFunctionArn,
      Payload: { requestId: 'req-1', approvalTimeoutSeconds: 14_400, waitSeconds, taskToken: 'token-1', reminder: 0 },
    });
  });

  it('resolves the hold timeout path to the seconds left against the raw input AND the Parameters output', async () => {
    const seen: { raw?: unknown; parameters?: unknown; entered: string[] } = { entered: [] };
    const run = new StateMachine(definition as never, { validationOptions: { noValidate: true } }).run(
      { requestId: 'req-1', approvalTimeoutSeconds: 60 },
      {
        context: { Task: { Token: 'token-1' } },
        overrides: {
          taskResourceLocalHandlers: {
            [StateName.WAIT_FOR_DECISION]: () => ({ decision: 'approved', decidedBy: ['x'] }),
            [StateName.ISSUE_CREDENTIALS]: () => ({ Payload: { startsAt: '2030-01-01T09:00:00.000Z', expiresAt: '2030-01-01T10:00:00.000Z' } }),
            [StateName.NOTIFY_REQUESTER]: () => ({ Payload: null }),
            [StateName.MEASURE_WINDOW]: () => ({ Payload: { secondsLeft: 3_599, expiresAt: '2030-01-01T10:00:00.000Z' } }),
            [StateName.HOLD_ACCESS]: (input) => {
              seen.parameters = input;
              return { outcome: 'revoked' };
            },
          },
        },
      },
    );
    for await (const event of run.eventLogs) {
      if (event.type !== 'StateEntered') continue;
      seen.entered.push(event.state.name);
      if (event.state.name === StateName.HOLD_ACCESS) seen.raw = event.state.input;
    }
    await run.result;

    const path = state(StateName.HOLD_ACCESS).TimeoutSecondsPath as string;
    expect(readReferencePath(path, seen.raw)).toBe(3_599);
    expect(readReferencePath(path, seen.parameters)).toBe(3_599);
    expect(seen.entered.slice(-4)).toEqual([StateName.HOLD_ACCESS, StateName.HOLD_OUTCOME_CHOICE, StateName.REVIEW_AFTER_REVOKE_CHOICE, StateName.ACCESS_REVOKED]);
  });
});

describe('definition checks', () => {
  it('heartbeatProblems flags a heartbeat at or above the timeout, and nothing else', () => {
    const bad = machine({
      'Equal heartbeat': { Type: 'Task', Resource: 'arn:x', TimeoutSeconds: 60, HeartbeatSeconds: 60, Next: 'Long heartbeat' },
      'Long heartbeat': { Type: 'Task', Resource: 'arn:x', TimeoutSeconds: 60, HeartbeatSeconds: 300, Next: 'Fine' },
      Fine: { Type: 'Task', Resource: 'arn:x', TimeoutSeconds: 60, HeartbeatSeconds: 30, Next: 'Heartbeat only' },
      'Heartbeat only': { Type: 'Task', Resource: 'arn:x', HeartbeatSeconds: 30, End: true },
    });
    expect(heartbeatProblems(bad)).toEqual([
      'Equal heartbeat: HeartbeatSeconds 60 must be less than TimeoutSeconds 60',
      'Long heartbeat: HeartbeatSeconds 300 must be less than TimeoutSeconds 60',
    ]);
  });

  it('looks inside Parallel branches', () => {
    const nested = machine({
      Fan: {
        Type: 'Parallel',
        End: true,
        Branches: [machine({ Inner: { Type: 'Task', Resource: 'arn:x', TimeoutSeconds: 10, HeartbeatSeconds: 20, End: true } })],
      },
    });
    expect(heartbeatProblems(nested)).toEqual(['Inner: HeartbeatSeconds 20 must be less than TimeoutSeconds 10']);
  });

  it('flags missing timeouts, retries and catches', () => {
    const bad = machine({
      Bare: { Type: 'Task', Resource: 'arn:x', Next: 'Partly' },
      Partly: {
        Type: 'Task',
        Resource: 'arn:x',
        TimeoutSeconds: 5,
        Retry: [{ ErrorEquals: ['Lambda.ServiceException'] }],
        Catch: [{ ErrorEquals: ['States.Timeout'], Next: 'Done' }],
        Next: 'Done',
      },
      Done: { Type: 'Succeed' },
    });
    expect(timeoutProblems(bad)).toEqual(['Bare: Task has neither TimeoutSeconds nor TimeoutSecondsPath']);
    expect(retryProblems(bad, ['Lambda.ServiceException', 'Lambda.SdkClientException'])).toEqual([
      'Bare: Retry does not cover Lambda.ServiceException, Lambda.SdkClientException',
      'Partly: Retry does not cover Lambda.SdkClientException',
    ]);
    expect(catchProblems(bad)).toEqual(['Bare: Task has no Catch for States.ALL', 'Partly: Task has no Catch for States.ALL']);
    expect(catchProblems(bad, ['Bare', 'Partly'])).toEqual([]);
  });

  it('flags dangling transitions and unreachable states', () => {
    const bad = machine(
      {
        Start: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'Nowhere' }], Default: 'End' },
        End: { Type: 'Succeed' },
        Orphan: { Type: 'Pass', Next: 'Also nowhere' },
      },
      'Start',
    );
    expect(missingTargetProblems(bad)).toEqual([
      'Start: transition to unknown state "Nowhere"',
      'Orphan: transition to unknown state "Also nowhere"',
    ]);
    expect(unreachableStates(bad)).toEqual(['Orphan']);
    expect(missingTargetProblems(machine({ A: { Type: 'Succeed' } }, 'B'))).toEqual(['StartAt "B" is not a state']);
  });

  it('readReferencePath reads $.a.b paths and refuses what it does not understand', () => {
    expect(readReferencePath('$.a.b', { a: { b: 3 } })).toBe(3);
    expect(readReferencePath('$', 7)).toBe(7);
    expect(readReferencePath('$.a.missing', { a: {} })).toBeUndefined();
    expect(readReferencePath('$.a.b', { a: 'text' })).toBeUndefined();
    expect(() => readReferencePath('$.items[0]', {})).toThrow('Unsupported reference path "$.items[0]"');
  });
});
