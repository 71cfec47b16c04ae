import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionState } from '../../domain/stuck';
import type { WorkflowExecutions } from '../../ports';
import { executionArnBuilder } from './sfn-workflow';

/** DescribeExecution's error for an execution that was never started. */
export const EXECUTION_MISSING_ERROR = 'ExecutionDoesNotExist';
const KNOWN: readonly string[] = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'];

/** The executions of the approval workflow, looked up by request id (each execution's name). */
export function createSfnExecutions({ sfn, stateMachineArn }: { sfn: SFNClient; stateMachineArn: string }): WorkflowExecutions {
  const executionArnFor = executionArnBuilder(stateMachineArn);
  return {
    async status(requestId) {
      try {
        const out = await sfn.send(new DescribeExecutionCommand({ executionArn: executionArnFor(requestId) }));
        const status = out.status ?? 'RUNNING';
        // An unknown status is treated as running: the sweep never settles what it cannot read.
        return (KNOWN.includes(status) ? status : 'RUNNING') as ExecutionState;
      } catch (e) {
        if (e instanceof Error && e.name === EXECUTION_MISSING_ERROR) return 'NOT_FOUND';
        throw e;
      }
    },
  };
}
