import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { requestsPort } from '../shared/runtime/ports/requests';
import { notifyRequesterOfGrant, type NotifyRequesterDeps } from '../shared/usecases/notify-requester';
import { taskHandler } from '../shared/workflow/task-handler';
import { notifyRequesterSchema } from '../shared/workflow/task-schemas';
import type { Deps } from '../shared/runtime/deps';

/** This function's ports (composition root): DynamoDB and SNS clients. */
export type Ports = NotifyRequesterDeps & Pick<Deps, 'logger'>;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  mailer: mailerPort,
};

/** Workflow task: "your access is active". */
export const createHandler = (given: Partial<Ports> = {}) =>
  taskHandler(compose(wiring, given), notifyRequesterSchema, (deps, payload) => notifyRequesterOfGrant(deps, payload.requestId));

export const handler = atColdStart(createHandler);
