import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import type { Deps } from '../shared/runtime/deps';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { notifierPort } from '../shared/runtime/ports/notifier';
import { requestsPort } from '../shared/runtime/ports/requests';
import { sessionDeniesPort } from '../shared/runtime/ports/session-denies';
import { settleRequest, type SettleRequestDeps } from '../shared/usecases/settle-request';
import { taskHandler } from '../shared/workflow/task-handler';
import { settleRequestSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB, SNS, STS and IAM clients (the catalogue names the roles). */
export type Ports = SettleRequestDeps & Pick<Deps, 'catalogue'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  notifier: notifierPort,
  sessionDenies: sessionDeniesPort,
};

/** Workflow task: records the final outcome and tells the requester. */
export const createHandler = (given: Partial<Ports> = {}) => taskHandler(compose(wiring, given), settleRequestSchema, settleRequest);

export const handler = atColdStart(createHandler);
