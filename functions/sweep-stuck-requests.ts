import middy from '@middy/core';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { executionsPort } from '../shared/runtime/ports/executions';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import { sessionDeniesPort } from '../shared/runtime/ports/session-denies';
import type { Deps } from '../shared/runtime/deps';
import type { SettleRequestDeps } from '../shared/usecases/settle-request';
import { sweepStuckRequests } from '../shared/usecases/settle-stuck';

/**
 * This function's ports (composition root): DynamoDB, Step Functions, SES or SNS, STS and IAM
 * clients (an ACTIVE grant settled FAILED has its sessions cut).
 */
export type Ports = SettleRequestDeps & Pick<Deps, 'catalogue' | 'executions'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  mailer: mailerPort,
  notifier: notifierPort,
  sessionDenies: sessionDeniesPort,
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
