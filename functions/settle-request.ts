import { grantEndingWiring, type GrantEndingPorts } from '../shared/runtime/ports/grant-ending';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { settleRequest } from '../shared/usecases/settle-request';
import { taskHandler } from '../shared/workflow/task-handler';
import { settleRequestSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB, SES or SNS, STS and IAM clients (the catalogue names the roles). */
export type Ports = GrantEndingPorts;
const wiring: Wiring<Ports> = grantEndingWiring;

/** Workflow task: records the final outcome and tells the requester. */
export const createHandler = (given: Partial<Ports> = {}) => taskHandler(compose(wiring, given), settleRequestSchema, settleRequest);

export const handler = atColdStart(createHandler);
