// aws-local-stepfunctions needs Promise.withResolvers, which Node 20 lacks: load the polyfill first.
import './polyfills';
import { StateMachine, type RunOptions } from 'aws-local-stepfunctions';
import type { ExecutionState } from '../shared/domain/stuck';
import type { Logger } from '../shared/log/logger';
import type { Workflow, WorkflowDecision } from '../shared/ports';
import type { AslDefinition, AslRetrier, AslState } from '../shared/workflow/asl-types';
import { workflowTaskClosedError } from '../shared/workflow/errors';
import type {
  AccessWaitOutput,
  HoldAccessMeasure,
  HoldAccessPayload,
  IssueCredentialsPayload,
  IssueCredentialsResult,
  NotifyApproversPayload,
  NotifyRequesterPayload,
  SettleRequestPayload,
  WorkflowInput,
} from '../shared/workflow/payloads';
import { readReferencePath } from '../shared/workflow/reference-path';
import {
  LOCAL_FUNCTION_ARNS,
  StateName,
  WorkflowFunction,
  loadStateMachineDefinition,
  type WorkflowFunctionName,
} from '../shared/workflow/state-machine';
import { workflowInputOf } from '../shared/workflow/payloads';
import { CallbackRegistry } from './workflow-callbacks';
import { newExecution, statusChangeEvent, trackExecution, type LocalExecution } from './workflow-execution';
import { inFlight } from './in-flight';
import { invokeLikeLambda, jsonClone, namedError, payloadOf, type LambdaHandler } from './workflow-lambda';
import { realTimer, type WorkflowTimer } from './workflow-timer';

export type { LocalExecution, LocalExecutionStatus } from './workflow-execution';
export type { WorkflowTimer } from './workflow-timer';

/** The five Lambda functions, as plain async functions: the event in, the return value out. */
export interface WorkflowHandlers {
  /** Must store payload.taskToken; the workflow then waits for sendDecision/abort or the timeout. */
  notifyApprovers(payload: NotifyApproversPayload): Promise<unknown> | unknown;
  issueCredentials(payload: IssueCredentialsPayload): Promise<IssueCredentialsResult> | IssueCredentialsResult;
  notifyRequester(payload: NotifyRequesterPayload): Promise<unknown> | unknown;
  settleRequest(payload: SettleRequestPayload): Promise<unknown> | unknown;
  /** `measure`: the window left; `hold`: must store payload.taskToken (the end-of-access wait). */
  holdAccess(payload: HoldAccessPayload): Promise<HoldAccessMeasure | unknown> | unknown;
}

export interface LocalWorkflowOptions {
  handlers: WorkflowHandlers;
  /**
   * Multiplies the callback timeouts (the approval timeout and the end-of-access hold), for
   * demos and tests (0.001: a 4 h approval timeout lasts 14.4 s). Default 1: real durations.
   * Must be in (0, 1]: the interpreter's own task timer runs unscaled and must never fire first.
   */
  timeScale?: number;
  /** Pause before each retry in ms instead of the ASL's backoff (tests). Default: the ASL's. */
  retryIntervalMs?: number;
  /**
   * Where every pause of the runner is taken: retry backoff and callback timeouts (the
   * approval wait, the end-of-access hold). Default: real time. Tests pass a timer they
   * advance by hand.
   */
  timer?: WorkflowTimer;
  logger?: Logger;
  /**
   * Told when an execution ends FAILED or ABORTED (not at shutdown), with the EventBridge
   * "Step Functions Execution Status Change" event AWS would emit for it.
   */
  onExecutionEnded?: (event: Record<string, unknown>) => Promise<unknown> | unknown;
}

/** The Workflow port, plus what a local operator (or a test) wants to see and control. */
export interface LocalWorkflow extends Workflow {
  executions(): LocalExecution[];
  describe(executionArn: string): LocalExecution | undefined;
  /** Resolves when the execution has ended, with its final description. */
  whenSettled(executionArn: string): Promise<LocalExecution>;
  /** DescribeExecution's status of the request's execution, NOT_FOUND when it never started. */
  executionStatus(requestId: string): Promise<ExecutionState>;
  /** StopExecution: aborts a running execution from outside the broker (as an operator could). */
  stop(executionArn: string): Promise<void>;
  /** Aborts every running execution and closes their callbacks, leaving no timers behind. */
  stopAll(): Promise<void>;
}

export const LOCAL_STATE_MACHINE_NAME = 'approval-workflow';
export const LOCAL_STATE_MACHINE_ARN = `arn:aws:states:local:000000000000:stateMachine:${LOCAL_STATE_MACHINE_NAME}`;
const executionArnFor = (name: string) => `arn:aws:states:local:000000000000:execution:${LOCAL_STATE_MACHINE_NAME}:${name}`;

// Node timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once; the interpreter
// would time the approval out immediately, so longer timeouts are refused up front.
const MAX_TIMER_SECONDS = Math.floor(2_147_483_647 / 1000);
// Step Functions execution names: 1-80 characters, no whitespace, brackets, wildcards or these.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

let compiled: { definition: AslDefinition; machine: StateMachine } | undefined;

/**
 * The definition is read once per process (a StateMachine holds no per-execution state). The
 * interpreter's own validation is off: it compiles asl-validator's JSON schemas on every call
 * (about 0.3 s of CPU, twice that on a busy machine), and `npm test` validates this definition
 * with the same validator, stricter (ARNs and paths checked, as written and substituted:
 * test/unit/state-machine.test.ts) and as packaged (test/unit/infra-template.test.ts).
 */
function compiledWorkflow() {
  if (!compiled) {
    const definition = loadStateMachineDefinition();
    compiled = { definition, machine: new StateMachine(definition as never, { validationOptions: { noValidate: true } }) };
  }
  return compiled;
}

interface Running {
  execution: LocalExecution;
  settled: Promise<LocalExecution>;
  abort: () => void;
  /** Aborted with the execution: ends any pause the runner is taking for it. */
  stopped: AbortController;
  /** Pause (ms) to take before the named Task's next attempt: retry backoff. */
  pauses: Map<string, number>;
  /** Retry attempts so far per Task, per retrier (as the interpreter counts them). */
  attempts: Map<string, number[]>;
}

/**
 * Runs infra/approval-workflow.asl.json in aws-local-stepfunctions: the same definition as
 * in AWS, with every Lambda task overridden by a local handler and the callback task backed
 * by an in-memory token registry.
 */
export function createLocalWorkflow(options: LocalWorkflowOptions): LocalWorkflow {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0 && timeScale <= 1)) throw new RangeError(`timeScale must be in (0, 1], got ${timeScale}`);

  const { definition, machine } = compiledWorkflow();
  const taskStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
  const handlerFor = new Map(taskStates.map(([name, state]) => [name, functionOf(name, state)]));

  const timer = options.timer ?? realTimer;
  const now = () => timer.now();
  const callbacks = new CallbackRegistry(timer);
  const runs = new Map<string, Running>();
  /** Set by stopAll: executions aborted by a shutdown are not reported as ended. */
  let closing = false;
  /** Function invocations the workflow started that have not returned: stopAll waits for them. */
  const invocations = inFlight();
  const tracked = (handler: LambdaHandler<never>): LambdaHandler<never> =>
    ((payload: never) => invocations.track(Promise.resolve().then(() => handler(payload)))) as LambdaHandler<never>;
  const inputWaits = new Map<string, { next: string; timestampOf: (input: WorkflowInput) => string | undefined }>();
  for (const [stateName, timestampOf] of [
    [StateName.WAIT_FOR_START, (input: WorkflowInput) => input.startsAt],
    [StateName.WAIT_FOR_REVIEW_DUE, (input: WorkflowInput) => input.reviewDueAt],
  ] as const) {
    const state = definition.States[stateName];
    if (state?.Type !== 'Wait' || !state.Next || definition.States[state.Next]?.Type !== 'Task') {
      throw new Error(`"${stateName}" must be a Wait state followed by a Task: the local runner pauses before that Task`);
    }
    inputWaits.set(stateName, { next: state.Next, timestampOf });
  }

  /**
   * The interpreter sleeps on real timers, so it is told never to sleep (every retry interval
   * is overridden with 0) and the runner takes each pause on `timer` instead: a retry's backoff
   * before the next attempt, and each callback's timeout (in the callback registry).
   */
  function overridesFor(running: Running, taskContext: { Token: string }): RunOptions['overrides'] {
    const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, state] of taskStates) {
      const fn = handlerFor.get(name) as WorkflowFunctionName;
      const handler = tracked(options.handlers[fn].bind(options.handlers) as LambdaHandler<never>);
      const attempt = state.Resource?.endsWith('.waitForTaskToken')
        ? (input: unknown) => waitForCallback(running, taskContext, state, handler, input)
        : (input: unknown) => invokeLikeLambda(handler, payloadOf(input));
      taskResourceLocalHandlers[name] = async (input) => {
        await pauseBefore(running, name);
        try {
          return await attempt(input);
        } catch (e) {
          const backoff = retryBackoffMs(state.Retry, e as Error, running.attempts, name);
          if (backoff !== undefined) running.pauses.set(name, options.retryIntervalMs ?? backoff);
          throw e;
        }
      };
    }

    // The scheduled start's and the break-glass review's Waits: read when the Wait state starts
    // (the interpreter looks overrides up lazily); the interpreter is told not to sleep and the
    // runner pauses on its timer before the Task that follows, until the timestamp the execution
    // input carries. Undefined when it is not RFC 3339: the interpreter then evaluates
    // TimestampPath itself and fails the state, as AWS would.
    const waitTimeOverrides: Record<string, number> = {};
    for (const [stateName, { next, timestampOf }] of inputWaits) {
      Object.defineProperty(waitTimeOverrides, stateName, {
        enumerable: true,
        get: () => {
          const pause = scaledPauseUntil(timestampOf(running.execution.input), now(), timeScale);
          if (pause === undefined) return undefined;
          running.pauses.set(next, pause);
          return 0;
        },
      });
    }

    const retryIntervalOverrides = Object.fromEntries(taskStates.map(([name]) => [name, 0]));

    return { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } as RunOptions['overrides'];
  }

  /** Takes the pause due before `stateName`'s task; an execution stopped meanwhile runs nothing more. */
  async function pauseBefore(running: Running, stateName: string): Promise<void> {
    const pause = running.pauses.get(stateName);
    running.pauses.delete(stateName);
    if (pause !== undefined && pause > 0) await timer.sleep(pause, running.stopped.signal);
    if (running.stopped.signal.aborted) {
      // Not retryable: the interpreter, already aborted, must not call the task again.
      throw Object.assign(namedError('States.Runtime', 'Execution aborted'), { isRetryable: false });
    }
  }

  /**
   * A `.waitForTaskToken` task: open the callback first (NotifyApprovers may decide at once,
   * e.g. auto-approval), invoke the function, then wait for the callback. The task's result
   * is the SendTaskSuccess output itself, not a Lambda `Payload`, as in AWS; a function that
   * fails fails the task with its error (as Step Functions does).
   */
  async function waitForCallback(
    running: Running,
    taskContext: { Token: string },
    state: AslState,
    handler: LambdaHandler<never>,
    input: unknown,
  ): Promise<unknown> {
    const payload = payloadOf(input);
    const token = (payload as Partial<NotifyApproversPayload> | null)?.taskToken ?? taskContext.Token;
    // A retried attempt gets a new token, as in AWS; the old one is dead.
    taskContext.Token = callbacks.newToken();
    // The interpreter reads TimeoutSecondsPath from this same (post-Parameters) input.
    const timeoutSeconds = state.TimeoutSeconds ?? (state.TimeoutSecondsPath ? readReferencePath(state.TimeoutSecondsPath, input) : undefined);
    const timeoutMs = typeof timeoutSeconds === 'number' ? timeoutSeconds * 1000 * timeScale : undefined;
    const decision = callbacks.wait(token, running.execution.executionArn, timeoutMs);
    try {
      await invokeLikeLambda(handler, payload);
    } catch (e) {
      callbacks.fail(token, e as Error);
    }
    return decision;
  }

  function observe(execution: LocalExecution, event: { type: string; state?: { name: string }; Error?: string }): void {
    if (event.type === 'StateFailed' || event.type === 'StateCaught') {
      options.logger?.warn('workflow state error', { executionArn: execution.executionArn, state: event.state?.name, event: event.type, error: event.Error });
    }
  }

  return {
    async start(given) {
      const { requestId, approvalTimeoutSeconds } = given;
      if (!EXECUTION_NAME.test(requestId)) throw namedError('InvalidName', `Invalid execution name: ${JSON.stringify(requestId)}`);
      if (approvalTimeoutSeconds > MAX_TIMER_SECONDS) {
        throw new RangeError(`approvalTimeoutSeconds ${approvalTimeoutSeconds} exceeds the local runner's limit of ${MAX_TIMER_SECONDS}`);
      }
      const executionArn = executionArnFor(requestId);
      // Execution names are unique per state machine: a second start is the same execution.
      if (runs.has(executionArn)) return executionArn;

      const input: WorkflowInput = workflowInputOf(given);
      const execution = newExecution(executionArn, jsonClone(input), new Date(timer.now()));
      const taskContext = { Token: callbacks.newToken() };
      const running: Running = {
        execution,
        settled: Promise.resolve(execution),
        abort: () => undefined,
        stopped: new AbortController(),
        pauses: new Map(),
        attempts: new Map(),
      };
      const run = machine.run(jsonClone(input) as never, {
        overrides: overridesFor(running, taskContext),
        context: {
          Execution: { Id: executionArn, Name: requestId },
          StateMachine: { Id: LOCAL_STATE_MACHINE_ARN, Name: LOCAL_STATE_MACHINE_NAME },
          // Shared by reference with the interpreter: $$.Task.Token reads the current token.
          Task: taskContext,
        },
      });
      running.abort = () => {
        running.stopped.abort();
        run.abort();
      };
      running.settled = trackExecution(execution, run, observe, () => new Date(timer.now())).then(async (done) => {
        running.stopped.abort();
        callbacks.failExecution(executionArn, namedError('States.Runtime', 'Execution ended'));
        if (done.status === 'FAILED') {
          options.logger?.warn('workflow execution failed', { executionArn, error: done.error, cause: done.cause });
        }
        if ((done.status === 'FAILED' || done.status === 'ABORTED') && !closing && options.onExecutionEnded) {
          // As EventBridge delivers the status change to the rule's target: asynchronously, and a
          // failing target does not change the execution.
          try {
            await options.onExecutionEnded(statusChangeEvent(done, LOCAL_STATE_MACHINE_ARN));
          } catch (e) {
            options.logger?.error('execution status change not delivered', { executionArn, error: e });
          }
        }
        return done;
      });
      runs.set(executionArn, running);
      return executionArn;
    },

    async sendDecision(taskToken: string, output: WorkflowDecision) {
      if (!callbacks.succeed(taskToken, jsonClone(output))) throw workflowTaskClosedError();
    },

    async resumeAccessWait(taskToken: string, output: AccessWaitOutput) {
      return callbacks.succeed(taskToken, { outcome: output.outcome }) ? 'resumed' : 'closed';
    },

    async abort(taskToken: string, error: string, cause: string) {
      // A callback already over is fine for a cancel, as with TaskTimedOut in AWS.
      callbacks.fail(taskToken, namedError(error, cause));
    },

    executions: () => [...runs.values()].map((r) => structuredClone(r.execution)),

    describe(executionArn) {
      const running = runs.get(executionArn);
      return running ? structuredClone(running.execution) : undefined;
    },

    async whenSettled(executionArn) {
      const running = runs.get(executionArn);
      if (!running) throw namedError('ExecutionDoesNotExist', `Execution does not exist: ${executionArn}`);
      return structuredClone(await running.settled);
    },

    async executionStatus(requestId) {
      return runs.get(executionArnFor(requestId))?.execution.status ?? 'NOT_FOUND';
    },

    async stop(executionArn) {
      const running = runs.get(executionArn);
      if (!running) throw namedError('ExecutionDoesNotExist', `Execution does not exist: ${executionArn}`);
      if (running.execution.status !== 'RUNNING') return;
      running.execution.status = 'ABORTED';
      running.execution.stopDate = new Date(timer.now()).toISOString();
      running.abort();
      callbacks.failExecution(executionArn, namedError('States.Runtime', 'Execution aborted'));
      await running.settled;
    },

    async stopAll() {
      closing = true;
      const active = [...runs.values()].filter((r) => r.execution.status === 'RUNNING');
      for (const running of active) {
        running.execution.status = 'ABORTED';
        running.execution.stopDate = new Date(timer.now()).toISOString();
        running.abort();
        // Settles the interpreter's pending callback task so it clears its own timeout timer.
        callbacks.failExecution(running.execution.executionArn, namedError('States.Runtime', 'Execution aborted'));
      }
      await Promise.all(active.map((r) => r.settled));
      // A task's function may still be running (aborting an execution does not stop the Lambda
      // it invoked, in AWS either): let it finish before the caller closes what it uses, and any
      // it started meanwhile.
      await invocations.drain();
    },
  };
}

// The profile Step Functions accepts in TimestampPath (date, time, offset; fraction optional).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The scaled pause until `timestamp`, or undefined (no override) when it is missing or not
 * RFC 3339, so the interpreter evaluates TimestampPath itself and fails the state as AWS would.
 */
function scaledPauseUntil(timestamp: string | undefined, nowMs: number, timeScale: number): number | undefined {
  if (typeof timestamp !== 'string' || !RFC3339.test(timestamp)) return undefined;
  return Math.max(0, Date.parse(timestamp) - nowMs) * timeScale;
}

/**
 * The pause before the next attempt after `error`, as Step Functions computes it from the
 * state's Retry list (first matching retrier; none when it has used its MaxAttempts), or
 * undefined when the error is not retried. Counts the attempt in `attempts`.
 */
export function retryBackoffMs(
  retriers: AslRetrier[] | undefined,
  error: Error,
  attempts: Map<string, number[]>,
  stateName: string,
  random: () => number = Math.random,
): number | undefined {
  if ((error as { isRetryable?: boolean }).isRetryable === false) return undefined;
  const counts = attempts.get(stateName) ?? [];
  attempts.set(stateName, counts);
  for (const [i, retrier] of (retriers ?? []).entries()) {
    const matches = retrier.ErrorEquals.some(
      (name) => name === error.name || name === 'States.ALL' || (name === 'States.TaskFailed' && error.name !== 'States.Timeout'),
    );
    if (!matches) continue;
    const done = counts[i] ?? 0;
    if (done >= (retrier.MaxAttempts ?? 3)) return undefined;
    counts[i] = done + 1;
    const intervalMs = Math.min((retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** done, retrier.MaxDelaySeconds ?? Infinity) * 1000;
    return retrier.JitterStrategy === 'FULL' ? random() * intervalMs : intervalMs;
  }
  return undefined;
}

/** Which handler a Task calls, recognised by the stand-in function ARN it was given. */
function functionOf(stateName: string, state: AslState): WorkflowFunctionName {
  const functionName = (state.Parameters as { FunctionName?: unknown } | undefined)?.FunctionName;
  const entry = (Object.entries(WorkflowFunction) as [WorkflowFunctionName, keyof typeof LOCAL_FUNCTION_ARNS][]).find(
    ([, placeholder]) => LOCAL_FUNCTION_ARNS[placeholder] === functionName,
  );
  if (!entry) throw new Error(`Task "${stateName}" calls ${String(functionName)}, which has no local handler`);
  return entry[0];
}

