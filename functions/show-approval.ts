import '../shared/runtime/aws-deps';
import { apiHandler } from '../shared/http/api-handler';
import { confirmationPage, errorPage } from '../shared/http/approval-page';
import { approvalTokenPath } from '../shared/http/schemas';
import { viewApproval } from '../shared/usecases/approvals';

/** GET /approvals/{token}: a confirmation page; changes nothing, because mail scanners fetch links. */
export const handler = apiHandler(
  { auth: 'none', path: approvalTokenPath, renderError: (status, body) => errorPage(status, body.error.message) },
  async ({ deps, path }) => confirmationPage(await viewApproval(deps, path.token)),
);
