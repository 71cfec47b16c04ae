import { atColdStart, base, compose, type Wiring } from '../shared/runtime/compose';
import { credentialsPort } from '../shared/runtime/ports/credentials';
import { issuerPort } from '../shared/runtime/ports/issuer';
import { requestsPort } from '../shared/runtime/ports/requests';
import { vaultPort } from '../shared/runtime/ports/vault';
import { issueCredentials, type IssueCredentialsDeps } from '../shared/usecases/issue-credentials';
import { taskHandler } from '../shared/workflow/task-handler';
import { issueCredentialsSchema } from '../shared/workflow/task-schemas';

/** This function's ports (composition root): DynamoDB, STS, KMS (and Secrets Manager for `user` targets). */
export type Ports = IssueCredentialsDeps;
const wiring: Wiring<Ports> = {
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  issuer: issuerPort,
  vault: vaultPort,
};

/** Workflow task: opens the window and issues the first scoped credentials. */
export const createHandler = (given: Partial<Ports> = {}) =>
  taskHandler(compose(wiring, given), issueCredentialsSchema, (deps, payload) => issueCredentials(deps, payload.requestId));

export const handler = atColdStart(createHandler);
