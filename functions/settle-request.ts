import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { requestsPort } from '../shared/runtime/ports/requests';
import { settleRequest, type SettleRequestDeps } from '../shared/usecases/settle-request';
import { taskHandler } from '../shared/workflow/task-handler';
import { settleRequestSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB and SNS clients. */
export type Ports = SettleRequestDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  mailer: mailerPort,
};

/** Workflow task: records the final outcome and tells the requester. */
export const createHandler = (given: Partial<Ports> = {}) => taskHandler(compose(wiring, given), settleRequestSchema, settleRequest);

export const handler = atColdStart(createHandler);
