import '../shared/runtime/aws-deps';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiHandler } from '../shared/http/api-handler';
import { errorPage, resultPage } from '../shared/http/approval-page';
import { json } from '../shared/http/responses';
import { approvalTokenPath, decisionBody } from '../shared/http/schemas';
import { decideApproval } from '../shared/usecases/approvals';
import { toView } from '../shared/usecases/request-view';

/** A browser's form gets a page back; a program that sent JSON gets JSON. */
const wantsJson = (event: APIGatewayProxyEventV2) =>
  /json/i.test(event.headers?.['content-type'] ?? '') || /application\/json/i.test(event.headers?.accept ?? '');

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
    // One line: the comment is quoted in the requester's plain-text email.
    const comment = body.comment?.replace(/\p{Cc}+/gu, ' ').trim() || undefined;
    const outcome = await decideApproval(deps, path.token, body.decision, comment);
    if (wantsJson(event)) {
      return json(200, { request: toView(outcome.request), decided: outcome.decided, timedOut: outcome.timedOut });
    }
    return resultPage(outcome.request, outcome, body.decision);
  },
);
