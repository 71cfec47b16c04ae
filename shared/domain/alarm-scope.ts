import { parseRoleArn, roleKeyOf } from './arn';
import { RoleUseKind, type RoleUse } from './role-use';

/** Which role uses raise an alarm at all, and which copies are someone else's to classify. */
export interface AlarmScope {
  /** Every target's role plus the catalogue's extra watched roles, as configured (paths kept). */
  watchedRoleArns: string[];
  /**
   * Unique ids (`AROA...`) of the broker's issuer roles. A cross-account AssumeRole is recorded
   * twice: in the caller's account with the full identity, and in the role's account where the
   * caller shows only as `AWSAccount` with `principalId` `<role unique id>:<session>`. The
   * role-account copy of the broker's own call is skipped only when that unique id is the
   * issuer's: the broker account's copy (which the broker's rule receives) is the one that can
   * be attributed. Any other principal of the broker's account still alarms.
   */
  issuerRoleIds?: string[];
}

export type AlarmDecision = { alarm: true } | { alarm: false; reason: string };

/** Console records of one switch within this distance of each other are the same switch. */
export const SWITCH_CORRELATION_MS = 2 * 60_000;

/**
 * The watched role a use is of, as configured (with its IAM path), or undefined. Compares
 * partition, account and name, ignoring case and the path the caller wrote (see arn.ts roleKeyOf).
 * A role ARN text that cannot be read as a role at all is matched by its last segment, so an
 * odd spelling fails towards an alarm.
 */
export function watchedRoleOf(roleArn: string, scope: AlarmScope): string | undefined {
  const key = roleKeyOf(roleArn);
  if (key !== undefined) return scope.watchedRoleArns.find((watched) => roleKeyOf(watched) === key);
  const lower = roleArn.trim().toLowerCase();
  return scope.watchedRoleArns.find((watched) => {
    const role = parseRoleArn(watched);
    return role !== undefined && lower.endsWith(`/${role.name.toLowerCase()}`);
  });
}

/** Decides whether a parsed role use raises an alarm; the reason says why not, for the log. */
export function decideAlarm(use: RoleUse, scope: AlarmScope): AlarmDecision {
  if (use.errorCode !== undefined) {
    return { alarm: false, reason: `the call failed (${use.errorCode}), so no session was created` };
  }
  if (watchedRoleOf(use.roleArn, scope) === undefined) {
    return { alarm: false, reason: `${use.roleArn} is not a watched role` };
  }
  const uniqueId = use.callerPrincipalId?.split(':')[0];
  if (
    use.callerType === 'AWSAccount' &&
    uniqueId !== undefined &&
    uniqueId !== '' &&
    (scope.issuerRoleIds ?? []).includes(uniqueId)
  ) {
    return {
      alarm: false,
      reason: `cross-account copy of a call by the broker's issuer role (${uniqueId}); the copy recorded in the broker account is classified instead`,
    };
  }
  return { alarm: true };
}

/**
 * What an alarm is deduplicated on. Most alarms: the CloudTrail record, `(recipientAccountId,
 * eventID)`, so every redelivery of a record and its copy in a trail log file are one alarm. A
 * console role switch leaves several records (the sign-in SwitchRole, and AssumeRole in the
 * role's and the caller's accounts, each with its own event id): they share the role, the
 * session name, the caller's account and (within seconds) the time, so they are one alarm. The
 * caller's account is part of the key so that someone in another trusted account, switching in
 * under the same session name right after a real switch, raises an alarm of their own instead
 * of being folded into it; a record whose caller account cannot be read only ever adds an alarm.
 */
export interface AlarmKey {
  /** Stable text id of the alarm. */
  id: string;
  /** For correlated records: records whose times differ by at most `withinMs` are the same. */
  correlate?: { atMs: number; withinMs: number };
}

/** The dedupe key of an alarm on `use`. */
export function alarmKeyOf(use: RoleUse): AlarmKey {
  if (use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE) {
    const role = roleKeyOf(use.roleArn) ?? use.roleArn.toLowerCase();
    return {
      id: `switch:${role}:${use.roleSessionName ?? ''}:${use.callerAccount ?? 'unknown'}`,
      correlate: { atMs: Date.parse(use.eventTime), withinMs: SWITCH_CORRELATION_MS },
    };
  }
  return eventAlarmKey(use.account, use.eventId);
}

/** The dedupe key of one CloudTrail record: `(recipientAccountId, eventID)`. */
export const eventAlarmKey = (account: string | undefined, eventId: string): AlarmKey => ({
  id: `event:${account ?? 'unknown'}:${eventId}`,
});
