import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { errorPage, resultPage } from '../shared/http/approval-page';
import { wantsJson } from '../shared/http/request-body';
import { json } from '../shared/http/responses';
import { decisionBody } from '../shared/http/schemas/approval-link';
import { approvalTokenPath } from '../shared/http/schemas/approval-token';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { linksPort } from '../shared/runtime/ports/links';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { decideApproval, type ApprovalDeps } from '../shared/usecases/approvals';
import { toDecisionView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB and Step Functions clients only. */
export type Ports = ApprovalDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  links: linksPort,
  workflow: workflowPort,
};

/**
 * POST /approvals/{token}: the approver's decision. The token in the path is the credential.
 * `given` replaces ports (local mode's stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(
    compose(wiring, given),
    {
      auth: 'none',
      path: approvalTokenPath,
      body: decisionBody,
      formats: ['json', 'form'],
      renderError: (status, body, event) => (wantsJson(event) ? json(status, body) : errorPage(status, body.error.message)),
    },
    async ({ deps, path, body, event }) => {
      const outcome = await decideApproval(deps, path.token, body.decision, body.comment);
      if (wantsJson(event)) {
        return json(200, toDecisionView(outcome));
      }
      return resultPage(outcome, body.decision);
    },
  );

export const handler = atColdStart(createHandler);
