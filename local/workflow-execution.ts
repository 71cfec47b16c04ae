import { ExecutionAbortedError, ExecutionError, type StateMachine } from 'aws-local-stepfunctions';
import type { WorkflowInput } from '../shared/workflow/payloads';

/** The statuses DescribeExecution would report (TIMED_OUT cannot happen: no machine-level timeout). */
export type LocalExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED';

/** A local execution as DescribeExecution plus GetExecutionHistory would show it. */
export interface LocalExecution {
  executionArn: string;
  /** The execution name: the request id. */
  name: string;
  input: WorkflowInput;
  status: LocalExecutionStatus;
  startDate: string;
  stopDate?: string;
  /** State names in the order they were entered (a retried state appears once). */
  statesEntered: string[];
  /** Retry attempts across all states. */
  retries: number;
  /**
   * Billable state transitions as Step Functions counts them: one per state entered plus one
   * per retry.
   */
  stateTransitions: number;
  output?: unknown;
  /** Error name and cause when FAILED (from the Fail state, or an uncaught error). */
  error?: string;
  cause?: string;
}

type Run = ReturnType<StateMachine['run']>;
type EventLog = Run['eventLogs'] extends AsyncGenerator<infer E> ? E : never;

/** Observer for notable events, so the runner can log them without this file knowing a logger. */
export type ExecutionObserver = (execution: LocalExecution, event: EventLog) => void;

export function newExecution(executionArn: string, input: WorkflowInput, startDate: Date = new Date()): LocalExecution {
  return {
    executionArn,
    name: input.requestId,
    input,
    status: 'RUNNING',
    startDate: startDate.toISOString(),
    statesEntered: [],
    retries: 0,
    stateTransitions: 0,
  };
}

/**
 * Follows one run to its end: state entries and retries from the event log, the final status
 * from the result. Resolves once both are complete, so `statesEntered` is final by then.
 * A status already set (ABORTED by a shutdown) is never overwritten.
 */
export async function trackExecution(
  execution: LocalExecution,
  run: Run,
  observe: ExecutionObserver,
  now: () => Date = () => new Date(),
): Promise<LocalExecution> {
  const events = (async () => {
    // The log closes itself on abort, so everything in it happened before the stop: count it all.
    for await (const event of run.eventLogs) {
      if (event.type === 'StateEntered') {
        execution.statesEntered.push(event.state.name);
        execution.stateTransitions += 1;
      } else if (event.type === 'StateRetried') {
        execution.retries += 1;
        execution.stateTransitions += 1;
      }
      observe(execution, event);
    }
  })();

  const outcome = await run.result.then(
    (output) => ({ status: 'SUCCEEDED' as const, output }),
    (error: unknown) => failureOf(error),
  );
  await events;
  if (execution.status === 'RUNNING') Object.assign(execution, outcome);
  execution.stopDate ??= now().toISOString();
  return execution;
}

function failureOf(error: unknown): Pick<LocalExecution, 'status' | 'error' | 'cause'> {
  if (error instanceof ExecutionAbortedError) return { status: 'ABORTED' };
  // ExecutionError wraps the state's error: its name is the Step Functions error, its message the cause.
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { status: 'FAILED', error: inner.name, cause: inner.message };
  return { status: 'FAILED', error: 'Error', cause: String(inner) };
}

/**
 * The "Step Functions Execution Status Change" event EventBridge receives when an execution
 * ends: the same fields as in AWS (dates in epoch milliseconds, input and output as JSON text).
 */
export function statusChangeEvent(execution: LocalExecution, stateMachineArn: string): Record<string, unknown> {
  const [, partition = 'aws', , region = 'local', account = '000000000000'] = stateMachineArn.split(':');
  return {
    version: '0',
    id: `local-${execution.name}-${execution.status}`,
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account,
    time: execution.stopDate ?? new Date().toISOString(),
    region,
    resources: [execution.executionArn],
    detail: {
      executionArn: execution.executionArn,
      stateMachineArn,
      name: execution.name,
      status: execution.status,
      startDate: Date.parse(execution.startDate),
      stopDate: execution.stopDate ? Date.parse(execution.stopDate) : null,
      input: JSON.stringify(execution.input),
      output: execution.output === undefined ? null : JSON.stringify(execution.output),
      error: execution.error ?? null,
      cause: execution.cause ?? null,
      partition,
    },
  };
}
