import { buildAlarmMessage } from '../alerts/alarm-message';
import { isParseFailure, parseRoleUseEvent } from '../alerts/cloudtrail-event';
import { watchedRoleArns } from '../catalogue';
import {
  classifyRoleUse,
  decideAlarm,
  isRequestIdShaped,
  type AlertClassification,
  type AlertSeverity,
  type AlarmScope,
  type RoleUse,
} from '../domain/alert-classification';
import { accountOfArn } from '../domain/arn';
import { HistoryType, type AccessRequest } from '../domain/request';
import type { Deps } from '../runtime/deps';

/** The ports this use case touches (its composition root provides exactly these). */
export type AlertDeps = Pick<Deps, 'catalogue' | 'clock' | 'events' | 'logger' | 'notifier' | 'requests' | 'settings'>;

/** What the alert function did with one event; every branch is logged and counted. */
export const AlertOutcomeKind = {
  /** Not a valid AssumeRole, AssumeRoleWith* or SwitchRole event (zod said why): logged, counted, dropped. */
  MALFORMED: 'malformed',
  /** A well-formed event of another kind (GetSessionToken, another detail-type): dropped. */
  UNSUPPORTED: 'unsupported',
  /** A role use that raises no alarm (unwatched role, failed call, cross-account copy). */
  IGNORED: 'ignored',
  /** This CloudTrail event id was already alarmed on (EventBridge delivers at least once). */
  DUPLICATE: 'duplicate',
  /** An alarm was published. */
  ALARMED: 'alarmed',
} as const;
export type AlertOutcomeKind = (typeof AlertOutcomeKind)[keyof typeof AlertOutcomeKind];

export type AlertOutcome =
  | { outcome: typeof AlertOutcomeKind.MALFORMED; error: string; eventId?: string }
  | { outcome: typeof AlertOutcomeKind.UNSUPPORTED; error: string; eventId?: string }
  | { outcome: typeof AlertOutcomeKind.IGNORED; eventId: string; reason: string }
  | { outcome: typeof AlertOutcomeKind.DUPLICATE; eventId: string }
  | {
      outcome: typeof AlertOutcomeKind.ALARMED;
      eventId: string;
      classification: AlertClassification;
      severity: AlertSeverity;
      requestId?: string;
      subject: string;
      messageId: string;
      /** False when the alarm went out but the audit entry on the request could not be written. */
      historyRecorded?: boolean;
    };

/**
 * Which role uses alarm. `brokerAccountIds` are the accounts of the broker's issuer principals:
 * when target accounts forward their events to the broker's bus, the role account's copy of the
 * broker's own AssumeRole arrives too, with the caller shown only as `AWSAccount`. That copy
 * cannot be attributed (it would classify as identity-mismatch); the broker account's copy of
 * the same call, which the broker's own rule receives, is the one classified. Copies from any
 * other account are never skipped.
 */
export function alarmScope(deps: Pick<Deps, 'catalogue' | 'settings'>): AlarmScope {
  // Catalogue and settings are fixed for a container's life: derive the scope once, not per event.
  const cached = scopes.get(deps.catalogue);
  if (cached?.settings === deps.settings) return cached.scope;
  const brokerAccountIds = [
    ...new Set(deps.settings.issuerPrincipalArns.map(accountOfArn).filter((a): a is string => a !== undefined)),
  ];
  const scope = { watchedRoleArns: watchedRoleArns(deps.catalogue), brokerAccountIds };
  scopes.set(deps.catalogue, { settings: deps.settings, scope });
  return scope;
}

const scopes = new WeakMap<Deps['catalogue'], { settings: Deps['settings']; scope: AlarmScope }>();

/**
 * Turns one EventBridge event into at most one alarm on the alarms topic.
 *
 * parse (never throws) -> decideAlarm -> load the request named by the session name -> classify
 * -> claim the event id -> publish -> audit entry on the request.
 *
 * Ordering, for at-least-once delivery: everything that may fail transiently and is safe to
 * repeat (reading the request) happens before the event id is claimed, so the claim is followed
 * only by the publish. The claim is the deduper's conditional put (with TTL): of two concurrent
 * deliveries exactly one goes on. If the publish fails, the claim is released (`forget`) and the
 * error is rethrown, so the retry by Lambda/EventBridge publishes the alarm instead of being
 * dropped as a duplicate. A lost alarm is worse than a rare double one: if releasing fails too,
 * AlarmAtRiskError is thrown after logging the event id, and the handler counts it. The one
 * window left is a process killed between the claim and the publish (a Lambda timeout); the
 * claim-then-publish gap is kept to the SNS call alone for that reason. The audit entry comes
 * after the publish; if it fails the alarm has still gone out, so it is logged and counted and
 * the event is not retried (a retry would be a duplicate anyway).
 *
 * Throws only for transient failures (DynamoDB, SNS), so the caller's retry policy applies.
 */
export async function handleRoleUseEvent(deps: AlertDeps, raw: unknown): Promise<AlertOutcome> {
  const log = deps.logger.child({ envelopeId: envelopeIdOf(raw) });
  const parsed = parseRoleUseEvent(raw);
  if (isParseFailure(parsed)) {
    const eventId = cloudTrailEventIdOf(raw);
    // The error lists paths and zod messages only; the event itself (which carries the issued
    // credentials in responseElements) is never logged.
    if (parsed.reason === 'malformed') {
      log.warn('malformed role-use event dropped', { eventId, error: parsed.error });
      return { outcome: AlertOutcomeKind.MALFORMED, error: parsed.error, ...(eventId ? { eventId } : {}) };
    }
    log.info('event is not a role use; dropped', { eventId, error: parsed.error });
    return { outcome: AlertOutcomeKind.UNSUPPORTED, error: parsed.error, ...(eventId ? { eventId } : {}) };
  }

  const use = parsed;
  const logger = log.child({ eventId: use.eventId, roleArn: use.roleArn });
  const decision = decideAlarm(use, alarmScope(deps));
  if (!decision.alarm) {
    logger.info('role use raises no alarm', { reason: decision.reason });
    return { outcome: AlertOutcomeKind.IGNORED, eventId: use.eventId, reason: decision.reason };
  }

  const request = await requestNamedBy(deps, use);
  const classification = classifyRoleUse(use, { ...(request ? { request } : {}) }, {
    issuerPrincipalArns: deps.settings.issuerPrincipalArns,
  });
  const message = buildAlarmMessage(use, classification, request);

  if (!(await deps.events.firstSighting(use.eventId, deps.clock.now()))) {
    logger.info('event already alarmed on; duplicate delivery dropped');
    return { outcome: AlertOutcomeKind.DUPLICATE, eventId: use.eventId };
  }

  let messageId: string;
  try {
    ({ messageId } = await deps.notifier.publish(message));
  } catch (publishError) {
    await releaseClaim(deps, use, logger, publishError);
    throw publishError;
  }

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

/** The request whose id is the session name, when the session name has the shape of one. */
async function requestNamedBy(deps: AlertDeps, use: RoleUse): Promise<AccessRequest | undefined> {
  return isRequestIdShaped(use.roleSessionName) ? deps.requests.get(use.roleSessionName) : undefined;
}

/**
 * The alarm could not be published and its event id could not be released either, so a retry
 * will be dropped as a duplicate. Thrown (after logging) so the failure is still retried and
 * counted as AlarmsAtRisk; `cause` is the publish error.
 */
export class AlarmAtRiskError extends Error {
  constructor(
    readonly eventId: string,
    cause: unknown,
  ) {
    super(`Alarm for CloudTrail event ${eventId} was not published and its dedupe marker could not be released`, { cause });
    this.name = 'AlarmAtRiskError';
  }
}

async function releaseClaim(deps: AlertDeps, use: RoleUse, logger: Deps['logger'], publishError: unknown): Promise<void> {
  try {
    await deps.events.forget(use.eventId);
  } catch (releaseError) {
    // The retry will find the claim and drop the event: say so loudly, with what is needed to
    // replay it by hand (the event id).
    logger.error('ALARM AT RISK: publish failed and the event id could not be released; a retry will be dropped as duplicate', {
      error: publishError,
      releaseError,
    });
    throw new AlarmAtRiskError(use.eventId, publishError);
  }
  logger.error('alarm publish failed; event id released so the retry alarms', { error: publishError });
}

function envelopeIdOf(raw: unknown): string | undefined {
  return isRecord(raw) && typeof raw['id'] === 'string' ? raw['id'] : undefined;
}

function cloudTrailEventIdOf(raw: unknown): string | undefined {
  const detail = isRecord(raw) ? raw['detail'] : undefined;
  return isRecord(detail) && typeof detail['eventID'] === 'string' ? detail['eventID'] : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Metric names, one per outcome (plus failures the caller reports). */
export const AlertMetric = {
  /** Events that failed validation. */
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
  /** Publish failures whose event id could not be released: the retry will be dropped. */
  ALARMS_AT_RISK: 'AlarmsAtRisk',
} as const;
export type AlertMetric = (typeof AlertMetric)[keyof typeof AlertMetric];

const METRIC_OF: Record<AlertOutcomeKind, AlertMetric> = {
  malformed: AlertMetric.MALFORMED_EVENTS,
  unsupported: AlertMetric.UNSUPPORTED_EVENTS,
  ignored: AlertMetric.IGNORED_EVENTS,
  duplicate: AlertMetric.DUPLICATE_EVENTS,
  alarmed: AlertMetric.ALARMS_PUBLISHED,
};

/** The counts one outcome adds (1 for its own metric, and HistoryAppendFailures when relevant). */
export function metricsOf(outcome: AlertOutcome): Partial<Record<AlertMetric, number>> {
  const counts: Partial<Record<AlertMetric, number>> = { [METRIC_OF[outcome.outcome]]: 1 };
  if (outcome.outcome === 'alarmed' && outcome.historyRecorded === false) counts[AlertMetric.HISTORY_APPEND_FAILURES] = 1;
  return counts;
}
