import { canRequest, mayBreakGlass } from '../domain/authorization';
import { formatDuration } from '../domain/duration';
import type { Caller } from '../domain/identity';
import type { Deps } from '../runtime/deps';

/** The ports this use case touches (its composition root provides exactly these). */
export type CatalogueViewDeps = Pick<Deps, 'catalogue'>;

/** The targets the caller may request, and the services those targets offer. */
export function catalogueFor(deps: CatalogueViewDeps, caller: Caller) {
  const targets = deps.catalogue.targets
    .filter((t) => canRequest(t, caller))
    .map((t) => ({
      id: t.id,
      ...(t.description ? { description: t.description } : {}),
      // One account, or an account set: a request then names one of `accounts`.
      ...(t.accounts ? { accounts: t.accounts } : { account: t.account }),
      roleArn: t.roleArn,
      region: t.region,
      services: t.services,
      maxDuration: formatDuration(t.maxDurationSeconds),
      maxDurationSeconds: t.maxDurationSeconds,
      approvalsRequired: t.approvalsRequired,
      approvalTimeoutSeconds: t.approvalTimeoutSeconds,
      autoApprove: t.autoApprove
        ? { services: t.autoApprove.services, maxDuration: formatDuration(t.autoApprove.maxDurationSeconds) }
        : null,
      // Grant lifecycle: how far ahead a start may be, how far a grant may be extended, and
      // whether this caller may break the glass here.
      maxScheduleAhead: formatDuration(t.maxScheduleAheadSeconds),
      maxExtensions: t.maxExtensions,
      maxExtendedDuration: formatDuration(t.maxExtendedDurationSeconds ?? t.maxDurationSeconds),
      breakGlass:
        t.breakGlass && mayBreakGlass(t, caller)
          ? { maxDuration: formatDuration(t.breakGlass.maxDurationSeconds), requireTicket: t.breakGlass.requireTicket, reviewWithin: formatDuration(t.breakGlass.reviewWithinSeconds) }
          : null,
    }));
  const offered = new Set(targets.flatMap((t) => t.services));
  const services = deps.catalogue.services
    .filter((s) => offered.has(s.key))
    .map((s) => ({
      key: s.key,
      name: s.name,
      ...(s.description ? { description: s.description } : {}),
      actions: s.actions,
      // As written: ${account} and ${region} are filled in per grant.
      resources: s.resources ?? ['*'],
      ...(s.conditions ? { conditions: s.conditions } : {}),
    }));
  return { targets, services };
}
