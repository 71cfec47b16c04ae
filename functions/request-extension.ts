import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { json } from '../shared/http/responses';
import { extensionBody } from '../shared/http/schemas/extension';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { linksPort } from '../shared/runtime/ports/links';
import { mailerPort } from '../shared/runtime/ports/mailer';
import { requestsPort } from '../shared/runtime/ports/requests';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { requestExtension, type ExtensionDeps } from '../shared/usecases/extensions';
import { toView } from '../shared/usecases/request-view';

/** This function's ports (composition root): DynamoDB, SES or SNS (approvers' links) and Step Functions (an auto-approved extension moves the end-of-access wait). */
export type Ports = ExtensionDeps & HttpDeps;
const wiring: Wiring<Ports> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  links: linksPort,
  mailer: mailerPort,
  workflow: workflowPort,
};

/** POST /requests/{id}/extensions. `given` replaces ports (local mode's stand-ins); the rest come from the environment. */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, body: extensionBody }, async ({ deps, caller, path, body }) => {
    const { extension, request } = await requestExtension(deps, caller, path.id, body);
    return json(201, { extension, request: toView(request) });
  });

export const handler = atColdStart(createHandler);
