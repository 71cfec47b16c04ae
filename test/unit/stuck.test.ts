import { DescribeExecutionCommand, ExecutionDoesNotExist, ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSfnExecutions } from '../../shared/adapters/sfn/sfn-executions';
import { RequestStatus } from '../../shared/domain/status';
import { SWEEP_MIN_AGE_MS, stuckReason, type ExecutionState } from '../../shared/domain/stuck';
import { assertMockCallsMatchModel } from '../helpers/aws-model';

const NOW = new Date('2030-01-01T12:00:00.000Z');
const old = new Date(NOW.getTime() - SWEEP_MIN_AGE_MS).toISOString();
const young = new Date(NOW.getTime() - SWEEP_MIN_AGE_MS + 1).toISOString();

describe('stuckReason', () => {
  const rows: [RequestStatus, string, ExecutionState | undefined, string | undefined][] = [
    [RequestStatus.PENDING, old, 'NOT_FOUND', 'the approval workflow never started'],
    [RequestStatus.PENDING, young, 'NOT_FOUND', undefined],
    [RequestStatus.PENDING, old, 'RUNNING', undefined],
    [RequestStatus.PENDING, old, 'PENDING_REDRIVE', undefined],
    [RequestStatus.PENDING, old, undefined, undefined],
    [RequestStatus.PENDING, old, 'ABORTED', 'the approval workflow execution ended ABORTED'],
    [RequestStatus.APPROVED, old, 'FAILED', 'the approval workflow execution ended FAILED'],
    [RequestStatus.ACTIVE, old, 'TIMED_OUT', 'the approval workflow execution ended TIMED_OUT'],
    [RequestStatus.ACTIVE, old, 'SUCCEEDED', 'the approval workflow ended without settling the request (it was ACTIVE)'],
    ...[RequestStatus.EXPIRED, RequestStatus.DENIED, RequestStatus.CANCELLED, RequestStatus.TIMED_OUT, RequestStatus.FAILED, RequestStatus.REVOKED].map(
      (s): [RequestStatus, string, ExecutionState, undefined] => [s, old, 'ABORTED', undefined],
    ),
  ];
  it.each(rows)('%s created %s, execution %s: %s', (status, createdAt, execution, reason) => {
    expect(stuckReason({ status, createdAt }, execution, NOW)).toBe(reason);
  });
});

describe('createSfnExecutions', () => {
  const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:access-broker-prod-approval';
  const sfnMock = mockClient(SFNClient);
  afterAll(() => sfnMock.restore());
  beforeEach(() => sfnMock.reset());
  afterEach(() => {
    assertMockCallsMatchModel(sfnMock);
  });
  const executions = () => createSfnExecutions({ sfn: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE_ARN });

  it('describes the execution named after the request; its status as Step Functions reports it', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'ABORTED' } as never);
    await expect(executions().status('01JD3Z6W9Q8X7V5T4R3N2M1K0H')).resolves.toBe('ABORTED');
    expect(sfnMock.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:access-broker-prod-approval:01JD3Z6W9Q8X7V5T4R3N2M1K0H' },
    ]);
  });

  it("every status the SDK knows is passed on; an unknown one reads as RUNNING; ExecutionDoesNotExist is NOT_FOUND; other errors are thrown", async () => {
    expect(Object.values(ExecutionStatus).sort()).toEqual(['ABORTED', 'FAILED', 'PENDING_REDRIVE', 'RUNNING', 'SUCCEEDED', 'TIMED_OUT']);
    for (const status of Object.values(ExecutionStatus)) {
      sfnMock.on(DescribeExecutionCommand).resolves({ status } as never);
      await expect(executions().status('01JD3Z6W9Q8X7V5T4R3N2M1K0H')).resolves.toBe(status);
    }
    sfnMock.on(DescribeExecutionCommand).resolves({ status: 'PAUSED' } as never);
    await expect(executions().status('01JD3Z6W9Q8X7V5T4R3N2M1K0H')).resolves.toBe('RUNNING');
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    await expect(executions().status('01JD3Z6W9Q8X7V5T4R3N2M1K0H')).resolves.toBe('NOT_FOUND');
    sfnMock.on(DescribeExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(executions().status('01JD3Z6W9Q8X7V5T4R3N2M1K0H')).rejects.toThrow('Rate exceeded');
  });
});
