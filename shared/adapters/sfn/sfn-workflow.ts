import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Workflow, WorkflowDecision } from '../../ports';
import { workflowTaskClosedError } from '../../workflow/errors';
import { workflowInputOf, type AccessWaitOutput } from '../../workflow/payloads';

export interface SfnWorkflowOptions {
  sfn: SFNClient;
  /** arn:<partition>:states:<region>:<account>:stateMachine:<name> */
  stateMachineArn: string;
}

const STATE_MACHINE_ARN = /^(arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:)stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** The ARN of the execution named `name` of `stateMachineArn` (checked once, here: a malformed ARN fails at cold start). */
export function executionArnBuilder(stateMachineArn: string): (name: string) => string {
  const match = STATE_MACHINE_ARN.exec(stateMachineArn);
  if (!match) throw new Error(`stateMachineArn is not a state machine ARN: "${stateMachineArn}"`);
  const [, prefix, machineName] = match;
  return (name) => `${prefix}execution:${machineName}:${name}`;
}

// SendTaskFailure limits (characters); longer values are rejected with a ValidationException.
const MAX_ERROR_LENGTH = 256;
const MAX_CAUSE_LENGTH = 32_768;

/** SendTaskSuccess errors (all in its model) meaning "that callback is not waiting any more". */
export const TASK_CLOSED_ERRORS: ReadonlySet<string> = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** SendTaskFailure errors that, for a cancel, mean success: the callback is over, nothing is left to stop. */
export const ABORT_IGNORED_ERRORS: ReadonlySet<string> = new Set(['TaskTimedOut', 'TaskDoesNotExist']);
/** StartExecution's error for a name already used in the state machine (here: by this request). */
export const EXECUTION_EXISTS_ERROR = 'ExecutionAlreadyExists';

const errorName = (e: unknown) => (e instanceof Error ? e.name : undefined);

/**
 * The Workflow port on AWS Step Functions (Standard workflow, callback pattern).
 */
export function createSfnWorkflow({ sfn, stateMachineArn }: SfnWorkflowOptions): Workflow {
  const executionArnFor = executionArnBuilder(stateMachineArn);

  return {
    async start(given) {
      // Fixed key order: a retried start sends byte-identical input, which Step Functions
      // answers with the running execution instead of an error.
      const { requestId } = given;
      const input = workflowInputOf(given);
      try {
        const out = await sfn.send(
          new StartExecutionCommand({ stateMachineArn, name: requestId, input: JSON.stringify(input) }),
        );
        return out.executionArn ?? executionArnFor(requestId);
      } catch (e) {
        // The name is the request id, so an existing execution (closed, or started with other
        // input) can only be this request's: starting is idempotent per request.
        if (errorName(e) === EXECUTION_EXISTS_ERROR) return executionArnFor(requestId);
        throw e;
      }
    },

    async sendDecision(taskToken: string, output: WorkflowDecision) {
      try {
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      } catch (e) {
        if (TASK_CLOSED_ERRORS.has(errorName(e) ?? '')) throw workflowTaskClosedError();
        throw e;
      }
    },

    async resumeAccessWait(taskToken: string, output: AccessWaitOutput) {
      try {
        // Exactly {"outcome": ...}: the state machine's choice reads $.hold.outcome.
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify({ outcome: output.outcome }) }));
        return 'resumed';
      } catch (e) {
        if (TASK_CLOSED_ERRORS.has(errorName(e) ?? '')) return 'closed';
        throw e;
      }
    },

    async abort(taskToken: string, error: string, cause: string) {
      try {
        await sfn.send(
          new SendTaskFailureCommand({
            taskToken,
            error: error.slice(0, MAX_ERROR_LENGTH),
            cause: cause.slice(0, MAX_CAUSE_LENGTH),
          }),
        );
      } catch (e) {
        if (ABORT_IGNORED_ERRORS.has(errorName(e) ?? '')) return;
        throw e;
      }
    },
  };
}
