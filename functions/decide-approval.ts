import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { errorPage, resultPage } from '../shared/http/approval-page';
import { wantsJson } from '../shared/http/request-body';
import { json } from '../shared/http/responses';
import { approvalTokenPath, decisionBody } from '../shared/http/schemas';
import { decideApproval } from '../shared/usecases/approvals';
import { toView } from '../shared/usecases/request-view';

/** POST /approvals/{token}: the approver's decision. The token in the path is the credential. */
export const handler = apiHandler(
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
      return json(200, { request: toView(outcome.request), decided: outcome.decided, timedOut: outcome.timedOut });
    }
    return resultPage(outcome, body.decision);
  },
);
