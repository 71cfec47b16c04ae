import type { Target } from '../catalogue/types';
import { MIN_DURATION_SECONDS, formatDuration, parseDurationSeconds } from './duration';
import { ConflictError, ValidationError, type ErrorDetail } from './errors';
import { HistoryType, type AccessRequest, type Approval, type Extension, type HistoryEntry } from './request';
import { RequestStatus, assertExtensionTransition } from './status';
import { REASON_RULE, textProblem } from './text';
import { approvalCount, assertNotSelfVote, tally, voteOf } from './voting';

/**
 * Extending an ACTIVE grant: the requester asks for more time, the request's own approvers
 * decide it by the request's own quorum (deny wins; auto-approval by the target's rule on the
 * total window), and an approved extension moves `expiresAt`. Limits: the total window at most
 * the target's `maxExtendedDuration` (else its `maxDuration`), at most `maxExtensions` applied.
 */

/** The longest total window (original plus extensions) a target allows. */
export const maxExtendedWindowSeconds = (target: Pick<Target, 'maxDurationSeconds' | 'maxExtendedDurationSeconds'>): number =>
  target.maxExtendedDurationSeconds ?? target.maxDurationSeconds;

/** The window as it stands: from its start to its (possibly extended) end. */
export const windowSeconds = (request: Pick<AccessRequest, 'startsAt' | 'expiresAt' | 'durationSeconds'>): number =>
  request.startsAt && request.expiresAt ? Math.round((Date.parse(request.expiresAt) - Date.parse(request.startsAt)) / 1000) : request.durationSeconds;

export const pendingOf = (request: Pick<AccessRequest, 'extensions'>): Extension | undefined =>
  request.extensions?.find((e) => e.status === 'PENDING');

/**
 * The extension the requester asks for, checked against every rule: 409 when the grant is not
 * ACTIVE (or its window already closed) or one is pending; 400 naming the limit otherwise.
 */
export function buildExtension(args: {
  id: string;
  now: Date;
  request: AccessRequest;
  target: Target;
  input: { duration: string; reason: string };
}): Extension {
  const { id, now, request, target, input } = args;
  if (request.status !== RequestStatus.ACTIVE || !request.expiresAt || Date.parse(request.expiresAt) <= now.getTime()) {
    throw new ConflictError(`Request ${request.id} is ${request.status}${request.status === RequestStatus.ACTIVE ? ' but its window has closed' : ''}; only an ACTIVE grant can be extended`, 'NOT_ACTIVE');
  }
  // Break-glass access is bounded by its own maximum and reviewed afterwards: it is not
  // extended (an extension could be auto-approved past that maximum without anyone deciding).
  if (request.breakGlass) {
    throw new ConflictError(`Request ${request.id} is break-glass access, which cannot be extended; ask for access through approval instead`, 'BREAK_GLASS_NOT_EXTENSIBLE');
  }
  const pending = pendingOf(request);
  if (pending) throw new ConflictError(`Request ${request.id} already has extension ${pending.id} waiting for approval`, 'EXTENSION_PENDING');

  const details: ErrorDetail[] = [];
  const applied = (request.extensions ?? []).filter((e) => e.status === 'APPLIED').length;
  if (applied >= target.maxExtensions) {
    details.push({
      field: 'duration',
      rule: 'max-extensions',
      message: `request ${request.id} already has ${applied} extension(s); ${target.id} allows at most ${target.maxExtensions} (maxExtensions)`,
    });
  }
  const seconds = parseDurationSeconds(input.duration);
  if (seconds === undefined) {
    details.push({ field: 'duration', rule: 'duration-format', message: `"${input.duration}" is not a duration such as 15m, 2h, 1h30m or PT2H` });
  } else if (seconds < MIN_DURATION_SECONDS) {
    details.push({ field: 'duration', rule: 'minimum', message: `must be at least 15m (got ${formatDuration(seconds)})` });
  } else {
    const limit = maxExtendedWindowSeconds(target);
    const total = windowSeconds(request) + seconds;
    if (total > limit) {
      details.push({
        field: 'duration',
        rule: 'max-extended-duration',
        message: `would make the window ${formatDuration(total)}; ${target.id} allows at most ${formatDuration(limit)} in all (${target.maxExtendedDurationSeconds ? 'maxExtendedDuration' : 'maxDuration'}), so at most ${formatDuration(Math.max(0, limit - windowSeconds(request)))} more`,
      });
    }
  }
  const reason = input.reason.trim();
  const problem = textProblem(reason, REASON_RULE);
  if (problem) details.push({ field: 'reason', ...problem });
  if (details.length > 0) {
    throw new ValidationError(`Invalid extension of ${request.id}: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
  }
  const from = request.expiresAt;
  return {
    id,
    status: 'PENDING',
    durationSeconds: seconds!,
    reason,
    requestedAt: now.toISOString(),
    from,
    to: new Date(Date.parse(from) + seconds! * 1000).toISOString(),
    approvals: [],
  };
}

/** The pending extension a link or vote is about; 409 once it is decided, or when the link names another. */
export function requirePending(request: Pick<AccessRequest, 'id' | 'extensions'>, extensionId?: string): Extension {
  const extension = request.extensions?.find((e) => e.id === extensionId);
  if (!extension) throw new ConflictError(`Request ${request.id} has no extension ${extensionId ?? ''}`.trim(), 'EXTENSION_UNKNOWN');
  if (extension.status !== 'PENDING') {
    throw new ConflictError(`Extension ${extension.id} of request ${request.id} is already ${extension.status}; nothing to decide`, 'ALREADY_DECIDED');
  }
  return extension;
}

/** The history entries of an extension's end: decided (approved, denied, timed out) and, when approved, applied. */
function settledHistory(request: Pick<AccessRequest, 'id'>, extension: Extension, at: string, by?: string): HistoryEntry[] {
  const decided: HistoryEntry = {
    at,
    type: HistoryType.EXTENSION_DECIDED,
    ...(by ? { by } : {}),
    detail: `extension ${extension.id}: ${extension.status === 'APPLIED' ? 'approved' : extension.status === 'DENIED' ? 'denied' : 'timed out (the grant ended first)'}`,
  };
  return extension.status === 'APPLIED'
    ? [decided, { at, type: HistoryType.EXTENSION_APPLIED, detail: `extension ${extension.id}: window of ${request.id} now ends ${extension.to} (was ${extension.from})` }]
    : [decided];
}

/** Replaces one extension in the list, checking its move against EXTENSION_TRANSITIONS. */
function withExtension(request: Pick<AccessRequest, 'id' | 'extensions'>, next: Extension): Extension[] {
  const list = request.extensions ?? [];
  const before = list.find((e) => e.id === next.id);
  if (before) assertExtensionTransition(before.status, next.status, request.id);
  return before ? list.map((e) => (e.id === next.id ? next : e)) : [...list, next];
}

export interface ExtensionChange {
  extensions: Extension[];
  expiresAt?: string;
  history: HistoryEntry[];
  extension: Extension;
  /** The extension was decided by this change (applied or denied). */
  decided: boolean;
}

/** Records the asked extension (PENDING), or applies it at once when the target's auto-approval rule covers the whole window. */
export function askExtension(request: AccessRequest, extension: Extension, autoApproved: boolean, by: string): ExtensionChange {
  const asked: HistoryEntry = {
    at: extension.requestedAt,
    type: HistoryType.EXTENSION_REQUESTED,
    by,
    detail: `extension ${extension.id}: ${formatDuration(extension.durationSeconds)} more, from ${extension.from} to ${extension.to}`,
  };
  if (!autoApproved) return { extensions: withExtension(request, extension), history: [asked], extension, decided: false };
  const applied: Extension = { ...extension, status: 'APPLIED', decidedAt: extension.requestedAt };
  return {
    extensions: withExtension({ ...request, extensions: withExtension(request, extension) }, applied),
    expiresAt: applied.to,
    history: [asked, ...settledHistory(request, applied, extension.requestedAt, 'auto-approval')],
    extension: applied,
    decided: true,
  };
}

/**
 * One approver's vote on the pending extension, by the request's rules: no vote on one's own,
 * one per mailbox, deny wins, the request's quorum by distinct mailboxes. An approval that
 * reaches the quorum moves the window's end, but only while the grant is still ACTIVE.
 */
export function voteOnExtension(request: AccessRequest, extensionId: string | undefined, vote: Approval): ExtensionChange {
  assertNotSelfVote(request, vote.by);
  const extension = requirePending(request, extensionId);
  if (voteOf(extension.approvals, vote.by)) throw new ConflictError(`${vote.by} has already decided on extension ${extension.id}`, 'ALREADY_VOTED');
  const approvals = [...extension.approvals, vote];
  const outcome = tally(approvals, request.approvalsRequired);
  const by = { by: vote.by, ...(vote.comment ? { detail: `extension ${extension.id}: ${vote.comment}` } : { detail: `extension ${extension.id}` }) };
  const voted: HistoryEntry = { at: vote.at, type: vote.decision === 'deny' ? HistoryType.DENIED_BY : HistoryType.APPROVED_BY, ...by };
  if (outcome === RequestStatus.PENDING) {
    const next = { ...extension, approvals };
    return { extensions: withExtension(request, next), history: [voted], extension: next, decided: false };
  }
  if (outcome === RequestStatus.APPROVED && request.status !== RequestStatus.ACTIVE) {
    throw new ConflictError(`Request ${request.id} is ${request.status}; its extension can no longer be applied`, 'NOT_ACTIVE');
  }
  const next: Extension = { ...extension, approvals, status: outcome === RequestStatus.APPROVED ? 'APPLIED' : 'DENIED', decidedAt: vote.at };
  return {
    extensions: withExtension(request, next),
    ...(next.status === 'APPLIED' ? { expiresAt: next.to } : {}),
    history: [voted, ...settledHistory(request, next, vote.at)],
    extension: next,
    decided: true,
  };
}

/** The grant ended with an extension still pending: it ends TIMED_OUT. */
export function timeOutPending(request: AccessRequest, at: string): Pick<ExtensionChange, 'extensions' | 'history'> | undefined {
  const pending = pendingOf(request);
  if (!pending) return undefined;
  const next: Extension = { ...pending, status: 'TIMED_OUT', decidedAt: at };
  return { extensions: withExtension(request, next), history: settledHistory(request, next, at) };
}

/** Distinct approving mailboxes on an extension (for the page). */
export const extensionApprovals = (extension: Extension): number => approvalCount(extension.approvals);
