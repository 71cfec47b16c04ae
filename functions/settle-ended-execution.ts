import middy from '@middy/core';
import * as z from 'zod/mini';
import { REQUEST_ID_PATTERN } from '../shared/domain/ids';
import { ENDED_EXECUTION_STATUSES } from '../shared/domain/stuck';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { grantEndingWiring, type GrantEndingPorts } from '../shared/runtime/ports/grant-ending';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { settleEndedExecution } from '../shared/usecases/settle-stuck';

/**
 * This function's ports (composition root): DynamoDB, Step Functions (the sweep), SES or SNS, STS
 * and IAM clients (an ACTIVE grant settled FAILED has its sessions cut).
 */
export type Ports = GrantEndingPorts;
const wiring: Wiring<Ports> = grantEndingWiring;

/** The part of the EventBridge event this function reads (the rule matched the rest). */
export const executionEndedEvent = z.object({
  source: z.literal('aws.states'),
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    name: z.string().check(z.regex(REQUEST_ID_PATTERN)),
    status: z.enum(ENDED_EXECUTION_STATUSES),
  }),
});

/**
 * Target of the EventBridge rule on the approval workflow's "Execution Status Change" events
 * (FAILED, TIMED_OUT, ABORTED): settles the request the execution was named after FAILED
 * unless it is final already (the workflow's own failure recorder usually got there first).
 * An event it cannot read is logged and dropped: the scheduled sweep still finds the request.
 */
export const createHandler = (given: Partial<Ports> = {}) => {
  const deps = compose(wiring, given);
  return middy(async (event: unknown) => {
    const parsed = executionEndedEvent.safeParse(event);
    if (!parsed.success) {
      deps.logger.error('not an execution status change of a request; nothing settled', { issues: parsed.error.issues.map((i) => i.path.join('.')) });
      return { settled: false };
    }
    const { name, status } = parsed.data.detail;
    const result = await settleEndedExecution(deps, name, status);
    deps.logger.info('ended execution settled', { requestId: name, executionStatus: status, status: result.status, changed: result.changed });
    return { settled: result.changed, status: result.status };
  }).use(lambdaContextMiddleware(deps.logger));
};

export const handler = atColdStart(createHandler);
