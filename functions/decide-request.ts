import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { approverDecisionBody } from '../shared/http/schemas/approver-decision';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { decideAsApprover, type DecideDeps } from '../shared/usecases/approvals';
import { toDecisionView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB and Step Functions clients only. */
export type Ports = DecideDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  clock: base.clock,
  requests: requestsPort,
  workflow: workflowPort,
};

/**
 * POST /requests/{id}/decision: a signed-in approver's vote (the CLI's `approve` / `deny`), by
 * the same decide path as the emailed link. `given` replaces ports (local mode's stand-ins); the
 * rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, body: approverDecisionBody }, async ({ deps, caller, path, body }) => {
    const outcome = await decideAsApprover(deps, caller, path.id, body.decision, body.comment);
    return json(200, toDecisionView(outcome));
  });

export const handler = atColdStart(createHandler);
