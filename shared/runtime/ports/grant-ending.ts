import type { SettleRequestDeps } from '../../usecases/settle-request';
import { base, type Wiring } from '../compose';
import type { Deps } from '../deps';
import { credentialsPort } from './credentials';
import { mailerPort } from './mailer';
import { notifierPort } from './notifier';
import { requestsPort } from './requests';
import { sessionDeniesPort } from './session-denies';

/**
 * The ports that end a grant (DynamoDB; SES or SNS; STS and IAM): the final status, the sealed
 * credentials, the ended-sessions deny on the target role (the catalogue names the roles), the
 * requester's mail and a session-deny-failed alarm. Shared by every function that ends grants:
 * settleRequest, settleEndedExecution, sweepStuckRequests, revokeRequest and getCredentials (lost
 * entitlement); each adds the ports of its own job.
 */
export type GrantEndingPorts = SettleRequestDeps & Pick<Deps, 'catalogue'>;

/** How those functions build the grant-ending ports from the environment. */
export const grantEndingWiring: Wiring<GrantEndingPorts> = {
  settings: base.settings,
  logger: base.logger,
  catalogue: base.catalogue,
  clock: base.clock,
  requests: requestsPort,
  credentials: credentialsPort,
  mailer: mailerPort,
  notifier: notifierPort,
  sessionDenies: sessionDeniesPort,
};
