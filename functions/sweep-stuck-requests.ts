import middy from '@middy/core';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { executionsPort } from '../shared/runtime/ports/executions';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import type { Deps } from '../shared/runtime/deps';
import type { SettleRequestDeps } from '../shared/usecases/settle-request';
import { sweepStuckRequests } from '../shared/usecases/settle-stuck';

/**
 * This function's ports (composition root): DynamoDB, Step Functions and SNS clients. The
 * session-deny wiring adds `cutSessions` (shared/usecases/settle-stuck.ts) here.
 */
export type Ports = SettleRequestDeps & Pick<Deps, 'executions'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  notifier: notifierPort,
  executions: executionsPort,
};

/**
 * Scheduled (EventBridge rate(15 minutes)): settles FAILED every open request older than 15
 * minutes whose workflow never started or is no longer running (DescribeExecution).
 */
export const createHandler = (given: Partial<Ports> = {}) => {
  const deps = compose(wiring, given);
  return middy(async () => sweepStuckRequests(deps)).use(lambdaContextMiddleware(deps.logger));
};

export const handler = atColdStart(createHandler);
