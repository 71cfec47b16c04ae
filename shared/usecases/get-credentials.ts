import { serviceByKey } from '../catalogue/services';
import { consoleDestination } from '../domain/console-destination';
import { findTarget } from '../catalogue';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import { assertRevocable, BROKER_REVOKER, ENTITLEMENT_LOST_REASON, lostEntitlement } from '../domain/revocation';
import { assertWindowOpen, consoleUrlExpiresAt, justOpened, needsRefresh } from '../domain/window';
import { isRequester } from '../domain/authorization';
import type { Caller } from '../domain/identity';
import { HistoryType } from '../domain/request';
import type { IssuedCredentials } from '../ports';
import type { Deps } from '../runtime/deps';
import { issueAndStore, targetOf } from './issue-credentials';
import { endGrant } from './revoke-request';

/** The ports this use case touches (its composition root provides exactly these). */
export type GetCredentialsDeps = Pick<
  Deps,
  'catalogue' | 'clock' | 'credentials' | 'issuer' | 'logger' | 'mailer' | 'notifier' | 'requests' | 'sessionDenies' | 'settings' | 'signIn' | 'vault' | 'workflow'
>;

export interface CredentialsView {
  requestId: string;
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  windowExpiresAt: string;
  region: string;
  consoleUrl: string;
  consoleUrlExpiresAt: string;
  /** Set when the credentials are near expiry but the window has too little left for STS's 15-minute minimum. */
  notice?: string;
  local?: boolean;
}

/**
 * The requester's credentials for an ACTIVE request, refreshed when about to expire (this is
 * how a 4-hour grant works under the 1-hour role-chaining cap), with a console URL minted now
 * because it is only valid 15 minutes. Every retrieval is audited. Entitlement follows the
 * person: a requester who may no longer request the target (left its requester groups, email
 * changed, target gone from the catalogue) gets 403 ENTITLEMENT_LOST and the grant is revoked
 * (reason `entitlement-lost`, sessions cut) as a revoke would.
 */
export async function getCredentials(
  deps: GetCredentialsDeps,
  caller: Caller,
  id: string,
  format: string,
  /** Where the console URL lands: one of the request's services (default its first) and a region (default the target's). */
  landing: { service?: string | undefined; region?: string | undefined } = {},
): Promise<CredentialsView> {
  const request = await deps.requests.get(id);
  if (!request || !isRequester(request, caller)) throw new NotFoundError(`Request ${id} not found`);
  const now = deps.clock.now();
  assertWindowOpen(request, now);
  const lost = lostEntitlement(request, findTarget(deps.catalogue, request.target), caller);
  if (lost) await revokeForLostEntitlement(deps, request.id, lost);
  const target = targetOf(deps, request);
  const serviceKey = landing.service ?? request.services[0] ?? '';
  if (!request.services.includes(serviceKey)) {
    throw new ValidationError(`Service ${serviceKey} is not granted by request ${id}`, [
      { field: 'service', rule: 'enum', message: `must be one of the request's services: ${request.services.join(', ')}` },
    ]);
  }

  // First issuance here (the workflow's has not stored yet, e.g. break-glass fetched at once):
  // measured from the opening, as the workflow would, so a 15-minute window is not 899 s short.
  let stored =
    (await deps.credentials.get(id)) ??
    (await issueAndStore(deps, request, target, request.startsAt && justOpened(request.startsAt, now) ? new Date(request.startsAt) : undefined));
  let notice: string | undefined;
  if (needsRefresh(stored.expiration, now)) {
    try {
      stored = await issueAndStore(deps, request, target);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      notice = `Credentials expire ${stored.expiration} and cannot be refreshed: ${e.message}`;
    }
  }
  const credentials = JSON.parse(await deps.vault.open(id, stored.sealed)) as IssuedCredentials;
  const service = serviceByKey(serviceKey, deps.catalogue.services);
  if (!service) throw new Error(`Service ${serviceKey} of request ${id} is no longer in the catalogue`);
  const consoleUrl = await deps.signIn.signInUrl({
    credentials,
    destination: consoleDestination({ partition: target.partition, region: landing.region ?? target.region, service }),
    partition: target.partition,
    issuer: deps.settings.publicBaseUrl,
  });
  await deps.requests.appendHistory(id, [{ at: now.toISOString(), type: HistoryType.CREDENTIALS_RETRIEVED, by: caller.email, detail: `format=${format}` }]);
  deps.logger.info('credentials retrieved', { requestId: id, format });
  return {
    requestId: id,
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: credentials.sessionToken,
    expiration: credentials.expiration,
    windowExpiresAt: request.expiresAt,
    region: target.region,
    consoleUrl,
    consoleUrlExpiresAt: consoleUrlExpiresAt(now),
    ...(notice ? { notice } : {}),
    ...(credentials.local ? { local: true } : {}),
  };
}

async function revokeForLostEntitlement(deps: GetCredentialsDeps, id: string, why: string): Promise<never> {
  deps.logger.warn('entitlement lost: revoking the grant', { requestId: id, why });
  try {
    await endGrant(deps, { id, by: BROKER_REVOKER, reason: ENTITLEMENT_LOST_REASON, authorize: assertRevocable });
  } catch (e) {
    // Expired or revoked meanwhile: it ended all the same. Anything else still refuses the caller.
    if (!(e instanceof ConflictError)) throw e;
  }
  throw new ForbiddenError(`You may no longer request this target (${why}); request ${id} has been revoked`, 'ENTITLEMENT_LOST');
}
