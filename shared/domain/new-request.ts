import type { Target } from '../catalogue/types';
import { MIN_DURATION_SECONDS, formatDuration, requireDurationSeconds } from './duration';
import { ForbiddenError, ValidationError, type ErrorDetail } from './errors';
import { canRequest, mayBreakGlass, votingApprovers } from './authorization';
import { grantAccount } from './target-account';
import { normalizeEmail, type Caller } from './identity';
import { HistoryType, type AccessRequest } from './request';
import { RequestStatus } from './status';
import { DEFAULT_TICKET_PATTERN, REASON_RULE, textProblem, ticketProblem } from './text';
import { parseScheduledStart } from './schedule';
import { breakGlassGrant } from './break-glass';

/** Reason length bounds: long enough to be useful in an audit, short enough for an email. */
export const REASON_MIN = REASON_RULE.minVisible;
export const REASON_MAX = REASON_RULE.maxLength;

export interface NewRequestInput {
  target: string;
  /** Required for a target with an account set: the account the grant is for. */
  account?: string;
  services: string[];
  duration: string;
  reason: string;
  ticket?: string;
  /** ISO 8601 UTC: open the window then instead of at approval. */
  startsAt?: string;
  /** Access at once, without approval, alarmed and reviewed afterwards (targets that allow it). */
  breakGlass?: boolean;
}

/**
 * Applies every rule of a new request against its target and returns the PENDING request.
 * All field problems are reported together so the caller can fix them in one go.
 */
export function buildAccessRequest(args: {
  id: string;
  now: Date;
  caller: Caller;
  target: Target;
  input: NewRequestInput;
}): AccessRequest {
  const { id, now, caller, target, input } = args;
  if (!canRequest(target, caller)) {
    // Never name the groups: who may ask for what is not the caller's to learn.
    throw new ForbiddenError(`You may not request ${target.id}`, 'NOT_A_REQUESTER');
  }
  const details: ErrorDetail[] = [];
  const glass = input.breakGlass === true ? target.breakGlass : undefined;
  if (input.breakGlass === true) {
    if (!glass) throw new ForbiddenError(`${target.id} does not allow break-glass access`, 'BREAK_GLASS_NOT_ALLOWED');
    if (!mayBreakGlass(target, caller)) {
      throw new ForbiddenError(`You may not break the glass on ${target.id}`, 'BREAK_GLASS_NOT_ALLOWED');
    }
  }
  const maxDurationSeconds = glass ? glass.maxDurationSeconds : target.maxDurationSeconds;

  // The concrete account and role of this grant (an account-set target needs `account`).
  let grant: { account: string; roleArn: string } | undefined;
  try {
    grant = grantAccount(target, input.account);
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    details.push(...e.details);
  }

  const unknown = input.services.filter((s) => !target.services.includes(s));
  for (const s of unknown) {
    details.push({
      field: `services[${input.services.indexOf(s)}]`,
      rule: 'allowed-service',
      message: `"${s}" is not a service of ${target.id}; allowed: ${target.services.join(', ')}`,
    });
  }
  const duplicates = input.services.filter((s, i) => input.services.indexOf(s) !== i);
  if (duplicates.length > 0) {
    details.push({ field: 'services', rule: 'unique', message: `listed more than once: ${[...new Set(duplicates)].join(', ')}` });
  }

  let durationSeconds = 0;
  try {
    durationSeconds = requireDurationSeconds(input.duration, 'duration');
    if (durationSeconds < MIN_DURATION_SECONDS) {
      details.push({ field: 'duration', rule: 'minimum', message: `must be at least 15m (got ${formatDuration(durationSeconds)})` });
    } else if (durationSeconds > maxDurationSeconds) {
      details.push({
        field: 'duration',
        rule: 'maximum',
        message: `must be at most ${formatDuration(maxDurationSeconds)} for ${glass ? 'break-glass access to ' : ''}${target.id} (got ${formatDuration(durationSeconds)})`,
      });
    }
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    details.push(...e.details);
  }

  // Shown to approvers inside the broker's email and page: one line of plain text that cannot
  // fake the broker's own lines ("Approvals: 0 required", a link) or reorder them (bidi controls).
  const reason = input.reason.trim();
  const reasonProblem = textProblem(reason, REASON_RULE);
  if (reasonProblem) details.push({ field: 'reason', ...reasonProblem });
  const ticket = input.ticket?.trim();
  const ticketRule = ticket ? ticketProblem(ticket, target.ticketPattern ?? DEFAULT_TICKET_PATTERN) : undefined;
  if (ticketRule) details.push({ field: 'ticket', ...ticketRule });
  if (glass?.requireTicket && !ticket) {
    details.push({ field: 'ticket', rule: 'required', message: `is required for break-glass access to ${target.id}` });
  }

  let startsAt: Date | undefined;
  if (input.startsAt !== undefined) {
    if (glass) {
      details.push({ field: 'startsAt', rule: 'not-with-break-glass', message: 'break-glass access starts at once; leave startsAt out' });
    } else {
      const parsed = parseScheduledStart(input.startsAt, now, target.maxScheduleAheadSeconds);
      if ('problem' in parsed) details.push(parsed.problem);
      else startsAt = parsed.at;
    }
  }

  const voters = votingApprovers({ approverEmails: target.approverEmails, requester: { sub: caller.sub, email: caller.email } });
  if (!glass && voters.length < target.approvalsRequired) {
    details.push({
      field: 'target',
      rule: 'quorum-possible',
      message: `${target.id} needs ${target.approvalsRequired} approvals but only ${voters.length} approver(s) other than you can vote`,
    });
  }

  if (details.length > 0 || !grant) {
    throw new ValidationError(`Invalid request for ${target.id}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
  }

  const at = now.toISOString();
  const email = normalizeEmail(caller.email);
  // Catalogue order, so the stored list and the session policy agree whatever order was typed.
  const services = target.services.filter((s) => input.services.includes(s));
  const request: AccessRequest = {
    id,
    status: RequestStatus.PENDING,
    version: 1,
    requester: { sub: caller.sub, email },
    target: target.id,
    account: grant.account,
    roleArn: grant.roleArn,
    services,
    durationSeconds,
    reason,
    ...(ticket ? { ticket } : {}),
    createdAt: at,
    updatedAt: at,
    approvalsRequired: target.approvalsRequired,
    approverEmails: [...target.approverEmails],
    approverGroups: [...target.approverGroups],
    approvals: [],
    history: [{ at, type: HistoryType.SUBMITTED, by: email }],
    ...(startsAt ? { startsAt: startsAt.toISOString() } : {}),
  };
  return glass ? breakGlassGrant(request, glass, now) : request;
}
