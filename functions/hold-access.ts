import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { holdAccess, type HoldAccessDeps } from '../shared/usecases/hold-access';
import { taskHandler } from '../shared/workflow/task-handler';
import { holdAccessSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB only. */
export type Ports = HoldAccessDeps;
const wiring: Wiring<Ports> = {
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
};

/** Workflow task: measures the access window left, then stores the end-of-access wait's task token. */
export const createHandler = (given: Partial<Ports> = {}) => taskHandler(compose(wiring, given), holdAccessSchema, holdAccess);

export const handler = atColdStart(createHandler);
