import { apiHandler, type HttpDeps } from '../shared/http/api-handler';
import { credentialsResponse } from '../shared/http/credential-formats';
import { credentialsQuery } from '../shared/http/schemas/credentials';
import { requestIdPath } from '../shared/http/schemas/request-id';
import { grantEndingWiring } from '../shared/runtime/ports/grant-ending';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { issuerPort } from '../shared/runtime/ports/issuer';
import { signInPort } from '../shared/runtime/ports/sign-in';
import { vaultPort } from '../shared/runtime/ports/vault';
import { workflowPort } from '../shared/runtime/ports/workflow';
import { getCredentials, type GetCredentialsDeps } from '../shared/usecases/get-credentials';

/**
 * This function's ports (composition root): DynamoDB, STS, KMS (and Secrets Manager for `user`
 * targets); Step Functions, SNS and IAM to revoke a grant whose requester lost the entitlement.
 */
export type Ports = GetCredentialsDeps & HttpDeps;
const wiring: Wiring<Ports> = { ...grantEndingWiring, issuer: issuerPort, signIn: signInPort, vault: vaultPort, workflow: workflowPort };

/**
 * GET /requests/{id}/credentials?format=json|env|credential_process[&service=][&region=]. `given` replaces ports
 * (local mode's stand-ins); the rest come from the environment.
 */
export const createHandler = (given: Partial<Ports> = {}) =>
  apiHandler(compose(wiring, given), { auth: 'jwt', path: requestIdPath, query: credentialsQuery }, async ({ deps, caller, path, query }) =>
    credentialsResponse(await getCredentials(deps, caller, path.id, query.format, { service: query.service, region: query.region }), query.format),
  );

export const handler = atColdStart(createHandler);
