import middy from '@middy/core';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { grantEndingWiring, type GrantEndingPorts } from '../shared/runtime/ports/grant-ending';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { executionsPort } from '../shared/runtime/ports/executions';
import type { Deps } from '../shared/runtime/deps';
import { sweepStuckRequests } from '../shared/usecases/settle-stuck';

/**
 * This function's ports (composition root): DynamoDB, Step Functions, SES or SNS, STS and IAM
 * clients (an ACTIVE grant settled FAILED has its sessions cut).
 */
export type Ports = GrantEndingPorts & Pick<Deps, 'executions'>;
const wiring: Wiring<Ports> = { ...grantEndingWiring, executions: executionsPort };

/**
 * Scheduled (EventBridge rate(15 minutes)): settles FAILED every open request older than 15
 * minutes whose workflow never started or is no longer running (DescribeExecution).
 */
export const createHandler = (given: Partial<Ports> = {}) => {
  const deps = compose(wiring, given);
  return middy(async () => sweepStuckRequests(deps)).use(lambdaContextMiddleware(deps.logger));
};

export const handler = atColdStart(createHandler);
