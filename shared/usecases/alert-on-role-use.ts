import { buildAlarmMessage, buildUnparseableAlarm, type AlarmOrigin } from '../alerts/alarm-message';
import { isParseFailure, parseRoleUseEvent, type ParseFailure } from '../alerts/cloudtrail-event';
import { watchedRoleArns } from '../catalogue';
import type { Catalogue } from '../catalogue/types';
import { alarmKeyOf, decideAlarm, eventAlarmKey, watchedRoleOf, type AlarmKey, type AlarmScope } from '../domain/alarm-scope';
import { AlertClassification, AlertSeverity, classifyRoleUse } from '../domain/alert-classification';
import { HistoryType, type AccessRequest } from '../domain/request';
import { AlarmSource, RoleUseKind, isRequestIdShaped, type RoleUse } from '../domain/role-use';
import type { Logger } from '../log/logger';
import type { Clock, Notifier, OutgoingMessage } from '../ports';
import type { EventDeduper, RequestRepository } from '../ports/repositories';
import type { Settings } from '../runtime/deps';

/** The ports and settings the alarm path uses (real time and trail reconciliation alike). */
export interface AlertDeps {
  settings: Pick<Settings, 'issuerPrincipalArns' | 'issuerRoleIds'>;
  catalogue: Catalogue;
  clock: Clock;
  logger: Logger;
  requests: Pick<RequestRepository, 'get' | 'appendHistory'>;
  events: EventDeduper;
  notifier: Notifier;
}

/** What the alert function did with one event; every branch is logged and counted. */
export const AlertOutcomeKind = {
  /** A well-formed event of another kind (GetSessionToken, another event name): dropped. */
  UNSUPPORTED: 'unsupported',
  /** A role use that raises no alarm (unwatched role, failed call, the issuer's cross-account copy). */
  IGNORED: 'ignored',
  /** This alarm was already published (redelivery, the trail's copy, another record of one console switch). */
  DUPLICATE: 'duplicate',
  /** An alarm was published (for an unreadable record: CRITICAL unparseable-event, `malformed: true`). */
  ALARMED: 'alarmed',
} as const;
export type AlertOutcomeKind = (typeof AlertOutcomeKind)[keyof typeof AlertOutcomeKind];

export type AlertOutcome =
  | { outcome: typeof AlertOutcomeKind.UNSUPPORTED; error: string; eventId?: string }
  | { outcome: typeof AlertOutcomeKind.IGNORED; eventId: string; reason: string }
  | { outcome: typeof AlertOutcomeKind.DUPLICATE; eventId?: string; key: string }
  | {
      outcome: typeof AlertOutcomeKind.ALARMED;
      eventId?: string;
      classification: AlertClassification;
      severity: AlertSeverity;
      requestId?: string;
      subject: string;
      messageId: string;
      /** The record could not be parsed: the alarm is unparseable-event. */
      malformed?: true;
      /** False when the alarm went out but the audit entry on the request could not be written. */
      historyRecorded?: boolean;
    };

/**
 * Which role uses alarm: the catalogue's watched roles, and the issuer role's unique ids (whose
 * cross-account copies are classified from the broker account's copy instead).
 */
export function alarmScope(deps: Pick<AlertDeps, 'catalogue' | 'settings'>): AlarmScope {
  // Catalogue and settings are fixed for a container's life: derive the scope once, not per event.
  const cached = scopes.get(deps.catalogue);
  if (cached?.settings === deps.settings) return cached.scope;
  const scope = { watchedRoleArns: watchedRoleArns(deps.catalogue), issuerRoleIds: deps.settings.issuerRoleIds ?? [] };
  scopes.set(deps.catalogue, { settings: deps.settings, scope });
  return scope;
}

const scopes = new WeakMap<Catalogue, { settings: AlertDeps['settings']; scope: AlarmScope }>();

const REAL_TIME: AlarmOrigin = { source: AlarmSource.EVENTBRIDGE };

/**
 * Turns one EventBridge event into at most one alarm on the alarms topic.
 *
 * parse (never throws) -> decideAlarm -> load the request named by the session name -> classify
 * -> claim the alarm key -> publish -> mark it published -> audit entry on the request.
 *
 * Fail closed: an event the rules matched but that cannot be parsed raises a CRITICAL
 * unparseable-event alarm with what could be read (role ARN text, event id, event name).
 *
 * Ordering, for at-least-once delivery: everything that may fail transiently and is safe to
 * repeat (reading the request) happens before the key is claimed, so the claim is followed
 * only by the publish. The claim (AlarmKey: `(recipientAccountId, eventID)`, or one key per
 * console switch) is in progress until the publish is recorded: a duplicate is only a key whose
 * alarm was published. A key another delivery holds in progress throws AlarmClaimInProgressError
 * (retried, never dropped); a claim left by a process killed between claim and publish expires,
 * and the retry claims it again. If the publish fails, the claim is released and the error
 * rethrown; if releasing fails too, AlarmAtRiskError is thrown (the claim still expires).
 *
 * Throws only for transient failures (DynamoDB, SNS, a claim in progress), so the caller's retry
 * policy applies.
 */
export async function handleRoleUseEvent(deps: AlertDeps, raw: unknown): Promise<AlertOutcome> {
  const log = deps.logger.child({ envelopeId: envelopeIdOf(raw) });
  return alarmOnParsed(deps, parseRoleUseEvent(raw), REAL_TIME, log);
}

/**
 * The alarm path after parsing, shared by the real-time function and trail reconciliation
 * (`origin` says which, and how late).
 */
export async function alarmOnParsed(
  deps: AlertDeps,
  parsed: RoleUse | ParseFailure,
  origin: AlarmOrigin,
  log: Logger = deps.logger,
): Promise<AlertOutcome> {
  if (isParseFailure(parsed)) {
    if (parsed.reason === 'unsupported-event') {
      log.info('event is not a role use; dropped', { error: parsed.error });
      return { outcome: AlertOutcomeKind.UNSUPPORTED, error: parsed.error };
    }
    const u = parsed.unreadable;
    // The error lists paths and zod messages only; the event itself (which carries the issued
    // credentials in responseElements) is never logged.
    const logger = log.child({ eventId: u.eventId });
    logger.warn('unparseable role-use event: raising an unparseable-event alarm', { error: parsed.error, eventName: u.eventName });
    const message = buildUnparseableAlarm(u, origin);
    const key = u.eventId === undefined ? undefined : eventAlarmKey(u.account, u.eventId);
    const published = await publishOnce(deps, key, message, origin, logger);
    if (published.duplicate) return { outcome: AlertOutcomeKind.DUPLICATE, key: key!.id, ...(u.eventId ? { eventId: u.eventId } : {}) };
    return {
      outcome: AlertOutcomeKind.ALARMED,
      ...(u.eventId ? { eventId: u.eventId } : {}),
      classification: AlertClassification.UNPARSEABLE_EVENT,
      severity: AlertSeverity.CRITICAL,
      subject: message.subject,
      messageId: published.messageId,
      malformed: true,
    };
  }

  const scope = alarmScope(deps);
  let use = parsed;
  const logger = log.child({ eventId: use.eventId, roleArn: use.roleArn });
  const decision = decideAlarm(use, scope);
  if (!decision.alarm) {
    logger.info('role use raises no alarm', { reason: decision.reason });
    return { outcome: AlertOutcomeKind.IGNORED, eventId: use.eventId, reason: decision.reason };
  }
  // A console switch's sign-in record names the role without its IAM path: alarm on the role
  // as the catalogue names it, so every record of one switch gives the same, full role ARN.
  if (use.kind === RoleUseKind.CONSOLE_SWITCH_ROLE) use = { ...use, roleArn: watchedRoleOf(use.roleArn, scope) ?? use.roleArn };

  const request = await requestNamedBy(deps, use);
  const classification = classifyRoleUse(use, { ...(request ? { request } : {}) }, {
    issuerPrincipalArns: deps.settings.issuerPrincipalArns,
  });
  const message = buildAlarmMessage(use, classification, request, origin);
  const key = alarmKeyOf(use);

  const published = await publishOnce(deps, key, message, origin, logger);
  if (published.duplicate) {
    logger.info('alarm already published; duplicate dropped', { key: key.id });
    return { outcome: AlertOutcomeKind.DUPLICATE, eventId: use.eventId, key: key.id };
  }
  const { messageId } = published;

  const alarmed = {
    outcome: AlertOutcomeKind.ALARMED,
    eventId: use.eventId,
    classification: classification.classification,
    severity: classification.severity,
    ...(classification.requestId ? { requestId: classification.requestId } : {}),
    subject: message.subject,
    messageId,
  } as const;
  logger.info('alarm published', {
    classification: classification.classification,
    severity: classification.severity,
    requestId: classification.requestId,
    messageId,
    source: origin.source,
  });

  if (classification.requestId === undefined) return alarmed;
  try {
    await deps.requests.appendHistory(classification.requestId, [
      {
        at: deps.clock.now().toISOString(),
        type: HistoryType.ALERT_MATCHED,
        detail: `${classification.classification} ${classification.severity} event ${use.eventId} from ${use.caller}`,
      },
    ]);
    return { ...alarmed, historyRecorded: true };
  } catch (error) {
    logger.error('alarm published but the audit entry on the request failed', {
      requestId: classification.requestId,
      error,
    });
    return { ...alarmed, historyRecorded: false };
  }
}

/**
 * Claims `key`, publishes, records the publish. Without a key (an unreadable record with no
 * event id) the alarm is published undeduplicated: a possible double alarm beats a lost one.
 */
async function publishOnce(
  deps: AlertDeps,
  key: AlarmKey | undefined,
  message: OutgoingMessage,
  origin: AlarmOrigin,
  logger: Logger,
): Promise<{ duplicate: true } | { duplicate: false; messageId: string }> {
  if (key !== undefined) {
    const claim = await deps.events.claim(key, deps.clock.now());
    if (claim === 'completed') return { duplicate: true };
    if (claim === 'in-progress') throw new AlarmClaimInProgressError(key.id);
  }
  let messageId: string;
  try {
    ({ messageId } = await deps.notifier.publish(message));
  } catch (publishError) {
    if (key !== undefined) await releaseClaim(deps, key, logger, publishError);
    throw publishError;
  }
  if (key !== undefined) {
    try {
      await deps.events.complete(key, deps.clock.now(), origin.source);
    } catch (error) {
      // The alarm is out. The claim stays in progress until it expires; a later copy may alarm
      // again (a double alarm, never a lost one).
      logger.error('alarm published but recording it failed; a later copy may alarm again', { key: key.id, error });
    }
  }
  return { duplicate: false, messageId };
}

/** The request whose id is the session name, when the session name has the shape of one. */
async function requestNamedBy(deps: AlertDeps, use: RoleUse): Promise<AccessRequest | undefined> {
  return isRequestIdShaped(use.roleSessionName) ? deps.requests.get(use.roleSessionName) : undefined;
}

/**
 * The alarm could not be published and its claim could not be released either: a retry within
 * the claim's in-progress expiry is refused (and retried again), one after it alarms. Thrown
 * (after logging) so the failure is retried and counted as AlarmsAtRisk; `cause` is the publish
 * error.
 */
export class AlarmAtRiskError extends Error {
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    super(`Alarm ${key} was not published and its claim could not be released`, { cause });
    this.name = 'AlarmAtRiskError';
  }
}

/**
 * Another delivery claimed this alarm moments ago and has not recorded a publish. Thrown so the
 * delivery is retried: by then the alarm is published (a duplicate) or the claim has expired.
 */
export class AlarmClaimInProgressError extends Error {
  constructor(readonly key: string) {
    super(`Alarm ${key} is being published by another delivery; retry later`);
    this.name = 'AlarmClaimInProgressError';
  }
}

async function releaseClaim(deps: AlertDeps, key: AlarmKey, logger: Logger, publishError: unknown): Promise<void> {
  try {
    await deps.events.release(key);
  } catch (releaseError) {
    logger.error('ALARM AT RISK: publish failed and the claim could not be released; the retry alarms once the claim expires', {
      key: key.id,
      error: publishError,
      releaseError,
    });
    throw new AlarmAtRiskError(key.id, publishError);
  }
  logger.error('alarm publish failed; claim released so the retry alarms', { key: key.id, error: publishError });
}

function envelopeIdOf(raw: unknown): string | undefined {
  return isRecord(raw) && typeof raw['id'] === 'string' ? raw['id'] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metric names, one per outcome (plus failures the caller reports). */
export const AlertMetric = {
  /** Rule-matched events that failed validation (each raised an unparseable-event alarm). */
  MALFORMED_EVENTS: 'MalformedEvents',
  /** Well-formed events that are not role uses. */
  UNSUPPORTED_EVENTS: 'UnsupportedEvents',
  /** Role uses that raise no alarm. */
  IGNORED_EVENTS: 'IgnoredEvents',
  /** Repeated deliveries of an event already alarmed on. */
  DUPLICATE_EVENTS: 'DuplicateEvents',
  /** Alarms published to the alarms topic. */
  ALARMS_PUBLISHED: 'AlarmsPublished',
  /** Alarms whose audit entry on the request could not be written. */
  HISTORY_APPEND_FAILURES: 'HistoryAppendFailures',
  /** Transient failures rethrown for a retry. */
  PROCESSING_FAILURES: 'ProcessingFailures',
  /** Publish failures whose claim could not be released: the alarm waits for the claim to expire. */
  ALARMS_AT_RISK: 'AlarmsAtRisk',
} as const;
export type AlertMetric = (typeof AlertMetric)[keyof typeof AlertMetric];

const METRIC_OF: Record<AlertOutcomeKind, AlertMetric> = {
  unsupported: AlertMetric.UNSUPPORTED_EVENTS,
  ignored: AlertMetric.IGNORED_EVENTS,
  duplicate: AlertMetric.DUPLICATE_EVENTS,
  alarmed: AlertMetric.ALARMS_PUBLISHED,
};

/** The counts one outcome adds (1 for its own metric, and HistoryAppendFailures when relevant). */
export function metricsOf(outcome: AlertOutcome): Partial<Record<AlertMetric, number>> {
  const counts: Partial<Record<AlertMetric, number>> = { [METRIC_OF[outcome.outcome]]: 1 };
  if (outcome.outcome === 'alarmed' && outcome.historyRecorded === false) counts[AlertMetric.HISTORY_APPEND_FAILURES] = 1;
  if (outcome.outcome === 'alarmed' && outcome.malformed) counts[AlertMetric.MALFORMED_EVENTS] = 1;
  return counts;
}
