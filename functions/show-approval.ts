import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { confirmationPage, errorPage } from '../shared/http/approval-page';
import { approvalTokenPath } from '../shared/http/schemas/approval-token';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { linksPort } from '../shared/runtime/ports/links';
import { requestsPort } from '../shared/runtime/ports/requests';
import { viewApproval, type ApprovalViewDeps } from '../shared/usecases/approvals';

/** What viewing needs: no workflow (a GET changes nothing), so no Step Functions client. */
export type Ports = ApprovalViewDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  links: linksPort,
};

/**
 * GET /approvals/{token}: a confirmation page; changes nothing, because mail scanners fetch links.
 * `given` replaces ports (local mode's stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(
    compose(wiring, given),
    { auth: 'none', path: approvalTokenPath, renderError: (status, body) => errorPage(status, body.error.message) },
    async ({ deps, path }) => confirmationPage(await viewApproval(deps, path.token), deps.clock.now()),
  );

export const handler = atColdStart(createHandler);
