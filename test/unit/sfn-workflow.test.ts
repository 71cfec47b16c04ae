import {
  ExecutionAlreadyExists,
  InvalidToken,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  TaskDoesNotExist,
  TaskTimedOut,
  ValidationException,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSfnWorkflow } from '../../shared/adapters/sfn/sfn-workflow';
import { ConflictError } from '../../shared/domain/errors';
import { newRequestId } from '../../shared/domain/ids';
import { WORKFLOW_CANCELLED_ERROR, WORKFLOW_TASK_CLOSED } from '../../shared/workflow/state-machine';
import { assertMockCallsMatchModel, modelMember } from '../helpers/aws-model';
import { accessWaitOutput } from '../../shared/workflow/payloads';

const STATE_MACHINE_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:access-broker-prod-approval';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:123456789012:execution:access-broker-prod-approval:01JREQ';
const meta = { $metadata: {} };

const sfnMock = mockClient(SFNClient);
// A class-level mock patches every SFNClient: undo it for the files that share this worker.
afterAll(() => sfnMock.restore());
const workflow = () => createSfnWorkflow({ sfn: new SFNClient({ region: 'eu-west-1' }), stateMachineArn: STATE_MACHINE_ARN });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

beforeEach(() => {
  sfnMock.reset();
});

// Every StartExecution / SendTaskSuccess / SendTaskFailure a test sends must be one Step Functions accepts.
afterEach(() => {
  assertMockCallsMatchModel(sfnMock);
});

describe('createSfnWorkflow', () => {
  it('refuses a stateMachineArn that is not one', () => {
    expect(() => createSfnWorkflow({ sfn: new SFNClient({}), stateMachineArn: 'approval-workflow' })).toThrow(
      'stateMachineArn is not a state machine ARN: "approval-workflow"',
    );
  });

  describe('start', () => {
    it('starts an execution named after the request, with the exact input', async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

      await expect(workflow().start({ requestId: '01JREQ', approvalTimeoutSeconds: 14_400 })).resolves.toBe(EXECUTION_ARN);
      expect(sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
        { stateMachineArn: STATE_MACHINE_ARN, name: '01JREQ', input: '{"requestId":"01JREQ","approvalTimeoutSeconds":14400}' },
      ]);
    });

    it('a broker request id is an execution name the StartExecution model accepts', async () => {
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
      const requestId = newRequestId();
      await workflow().start({ requestId, approvalTimeoutSeconds: 14_400 });
      expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.name).toBe(requestId);
      expect(modelMember('sfn', 'StartExecution', 'name')).toMatchObject({ min: 1, max: 80 });
      expect(assertMockCallsMatchModel(sfnMock)).toBe(1);
    });

    it('returns the existing execution when the name is taken (a retried or repeated start)', async () => {
      sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', ...meta }));

      await expect(workflow().start({ requestId: '01JREQ', approvalTimeoutSeconds: 60 })).resolves.toBe(EXECUTION_ARN);
    });

    it('builds the execution ARN in the state machine partition and region', async () => {
      sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', ...meta }));
      const govCloud = createSfnWorkflow({
        sfn: new SFNClient({ region: 'us-gov-west-1' }),
        stateMachineArn: 'arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:approval',
      });

      await expect(govCloud.start({ requestId: 'r1', approvalTimeoutSeconds: 60 })).resolves.toBe(
        'arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:approval:r1',
      );
    });

    it('lets any other error through', async () => {
      const error = new ValidationException({ message: 'bad input', ...meta });
      sfnMock.on(StartExecutionCommand).rejects(error);

      expect(await rejection(workflow().start({ requestId: '01JREQ', approvalTimeoutSeconds: 60 }))).toBe(error);
    });
  });

  describe('sendDecision', () => {
    it('sends the decision as the task output', async () => {
      sfnMock.on(SendTaskSuccessCommand).resolves({});

      await workflow().sendDecision('token-1', { decision: 'approved', decidedBy: ['carol@example.com', 'erin@example.com'] });
      expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
        { taskToken: 'token-1', output: '{"decision":"approved","decidedBy":["carol@example.com","erin@example.com"]}' },
      ]);
    });

    it.each([
      ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', ...meta })],
      ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', ...meta })],
      ['InvalidToken', new InvalidToken({ message: 'Invalid Token', ...meta })],
    ])('maps %s to ConflictError WORKFLOW_TASK_CLOSED', async (_, sdkError) => {
      sfnMock.on(SendTaskSuccessCommand).rejects(sdkError);

      const error = await rejection(workflow().sendDecision('token-1', { decision: 'denied', decidedBy: ['carol@example.com'] }));
      expect(error).toBeInstanceOf(ConflictError);
      expect(error).toMatchObject({ code: WORKFLOW_TASK_CLOSED, kind: 'conflict' });
    });

    it('lets other errors through unchanged', async () => {
      const throttled = new Error('Rate exceeded');
      throttled.name = 'ThrottlingException';
      sfnMock.on(SendTaskSuccessCommand).rejects(throttled);

      expect(await rejection(workflow().sendDecision('token-1', { decision: 'denied', decidedBy: [] }))).toBe(throttled);
    });
  });

  describe('resumeAccessWait', () => {
    it.each(['revoked', 'extended'] as const)('sends exactly {"outcome":"%s"} on the hold token', async (outcome) => {
      sfnMock.on(SendTaskSuccessCommand).resolves({});
      await expect(workflow().resumeAccessWait('hold-token', accessWaitOutput(outcome))).resolves.toBe('resumed');
      expect(sfnMock.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: 'hold-token', output: `{"outcome":"${outcome}"}` }]);
    });

    it.each([
      ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', ...meta })],
      ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', ...meta })],
      ['InvalidToken', new InvalidToken({ message: 'Invalid Token', ...meta })],
    ])('%s means the wait already ended: closed, not an error', async (_, sdkError) => {
      sfnMock.on(SendTaskSuccessCommand).rejects(sdkError);
      await expect(workflow().resumeAccessWait('hold-token', accessWaitOutput('revoked'))).resolves.toBe('closed');
    });

    it('lets other errors through unchanged', async () => {
      const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      sfnMock.on(SendTaskSuccessCommand).rejects(throttled);
      expect(await rejection(workflow().resumeAccessWait('hold-token', accessWaitOutput('revoked')))).toBe(throttled);
    });
  });

  describe('abort', () => {
    it('fails the waiting task with the given error and cause', async () => {
      sfnMock.on(SendTaskFailureCommand).resolves({});

      await workflow().abort('token-1', WORKFLOW_CANCELLED_ERROR, 'Cancelled by alice@example.com');
      expect(sfnMock.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
        { taskToken: 'token-1', error: 'Broker.Cancelled', cause: 'Cancelled by alice@example.com' },
      ]);
    });

    it('keeps error and cause within the limits of the SendTaskFailure model', async () => {
      sfnMock.on(SendTaskFailureCommand).resolves({});
      expect(modelMember('sfn', 'SendTaskFailure', 'error').max).toBe(256);
      expect(modelMember('sfn', 'SendTaskFailure', 'cause').max).toBe(32_768);

      await workflow().abort('token-1', 'E'.repeat(300), 'c'.repeat(40_000));
      const input = sfnMock.commandCalls(SendTaskFailureCommand)[0]?.args[0].input;
      expect(input).toEqual({ taskToken: 'token-1', error: 'E'.repeat(256), cause: 'c'.repeat(32_768) });
      expect(assertMockCallsMatchModel(sfnMock)).toBe(1);
    });

    it.each([
      ['TaskTimedOut', new TaskTimedOut({ message: 'Task Timed Out', ...meta })],
      ['TaskDoesNotExist', new TaskDoesNotExist({ message: 'Task does not exist', ...meta })],
    ])('treats %s as already over', async (_, sdkError) => {
      sfnMock.on(SendTaskFailureCommand).rejects(sdkError);

      await expect(workflow().abort('token-1', WORKFLOW_CANCELLED_ERROR, 'cancelled')).resolves.toBeUndefined();
    });

    it('lets InvalidToken and other errors through', async () => {
      const error = new InvalidToken({ message: 'Invalid Token', ...meta });
      sfnMock.on(SendTaskFailureCommand).rejects(error);

      expect(await rejection(workflow().abort('garbage', WORKFLOW_CANCELLED_ERROR, 'cancelled'))).toBe(error);
    });
  });
});
