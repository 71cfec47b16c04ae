/**
 * A mixed batch of EventBridge events for POST /_local/events: broker grants, strangers'
 * AssumeRole, console SwitchRole, events no rule matches, malformed ones, non-events and
 * redeliveries, shuffled deterministically. The suite posts a small one (batching works); the
 * bench posts 1,000 (how fast).
 */
import { randomUUID } from 'node:crypto';
import { loadEvent } from '../../events/load';
import type { EventResult, EventsSummary } from '../../local/local-events';
import { sanitizeSourceIdentity } from '../../shared/domain/source-identity';

// CloudTrail events are loosely typed JSON; the checks narrow what they read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

/** A fixture with fresh envelope and CloudTrail ids, so each copy is a distinct event. */
export function freshEvent(name: string, change: (event: Json) => void = () => undefined): Json {
  const event = loadEvent<Json>(`cloudtrail/${name}`);
  event.id = randomUUID();
  event.detail.eventID = randomUUID();
  change(event);
  return event;
}

/** CloudTrail stamps whole seconds. */
const cloudTrailTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The broker's own AssumeRole of `roleArn` for `requestId`, as CloudTrail records it in the broker account. */
export function brokerGrantEvent(grant: { issuer: string; requestId: string; accessKeyId: string; requester: string; roleArn: string }, at: Date): Json {
  return freshEvent('assume-role-by-broker.json', (e) => {
    const account = grant.issuer.split(':')[4]!;
    const roleName = grant.issuer.split('/').pop()!;
    const targetAccount = grant.roleArn.split(':')[4]!;
    const targetRole = grant.roleArn.split('/').pop()!;
    const sourceIdentity = sanitizeSourceIdentity(grant.requester);
    e.account = account;
    e.time = cloudTrailTime(at);
    e.detail.eventTime = cloudTrailTime(at);
    e.detail.recipientAccountId = account;
    e.detail.userIdentity.arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${roleName}`;
    e.detail.userIdentity.accountId = account;
    e.detail.userIdentity.sessionContext.sessionIssuer.arn = grant.issuer;
    e.detail.userIdentity.sessionContext.sessionIssuer.accountId = account;
    e.detail.requestParameters.roleArn = grant.roleArn;
    e.detail.requestParameters.roleSessionName = grant.requestId;
    e.detail.requestParameters.sourceIdentity = sourceIdentity;
    e.detail.responseElements.sourceIdentity = sourceIdentity;
    e.detail.responseElements.assumedRoleUser.arn = `arn:aws:sts::${targetAccount}:assumed-role/${targetRole}/${grant.requestId}`;
    e.detail.responseElements.credentials.accessKeyId = grant.accessKeyId;
  });
}

export interface MixedBatchCounts {
  grants: number;
  strangers: number;
  switches: number;
  /** Events no rule matches (other role, GetSessionToken, failed AssumeRole, in turn). */
  unmatched: number;
  /** Matched by the rule but invalid (no eventID): each raises an unparseable-event alarm (fail closed). */
  malformedDelivered: number;
  /** Matched by no rule (no requestParameters). */
  malformedUnmatched: number;
  /** Not EventBridge events at all (null, 42, a string, {detail: {}}, []). */
  invalid: number;
  /** Copies of strangers' events under a new envelope id (EventBridge is at-least-once); at most `strangers`. */
  redeliveries: number;
}

/** The batch, its groups, and the summary POST /_local/events must answer for it. */
export function mixedBatch(counts: MixedBatchCounts, grant: () => Json) {
  const times = <T>(n: number, make: (i: number) => T) => Array.from({ length: n }, (_, i) => make(i));
  const grants = times(counts.grants, grant);
  const strangers = times(counts.strangers, () => freshEvent('assume-role-by-human.json'));
  // Distinct sessions: the records of one switch (same role, session and moment) are one alarm.
  const switches = times(counts.switches, (i) =>
    freshEvent('switch-role.json', (e) => {
      e.detail.userIdentity.arn = `arn:aws:sts::111111111111:assumed-role/TemporaryAdminRole/mallory-${i}`;
    }),
  );
  const unmatched = times(counts.unmatched, (i) => freshEvent(['assume-role-other-role.json', 'get-session-token.json', 'assume-role-failed.json'][i % 3]!));
  const malformedDelivered = times(counts.malformedDelivered, () =>
    freshEvent('assume-role-by-human.json', (e) => {
      delete e.detail.eventID;
    }),
  );
  const malformedUnmatched = times(counts.malformedUnmatched, () => freshEvent('malformed.json'));
  const invalid = times(counts.invalid, (i) => [null, 42, 'AssumeRole', { detail: {} }, []][i % 5]);
  const redeliveries = strangers.slice(0, counts.redeliveries).map((e) => ({ ...e, id: randomUUID() }));

  const batch: unknown[] = [...grants, ...strangers, ...switches, ...unmatched, ...malformedDelivered, ...malformedUnmatched, ...invalid, ...redeliveries];
  // Deterministic shuffle, so redeliveries race their originals.
  let seed = 7;
  for (let i = batch.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [batch[i], batch[j]] = [batch[j], batch[i]];
  }
  const alarmed = counts.grants + counts.strangers + counts.switches + counts.malformedDelivered;
  const summary = {
    events: batch.length,
    invalid: counts.invalid,
    matched: alarmed + redeliveries.length,
    unmatched: counts.unmatched + counts.malformedUnmatched,
    failed: 0,
    outcomes: { alarmed, duplicate: redeliveries.length },
  };
  return { batch, grants, strangers, switches, summary };
}

/**
 * The summary a batch answered, with the redeliveries that raced their original counted as
 * duplicates. Such a copy finds the original's claim in progress and fails, as the deployed
 * function does so that EventBridge and Lambda retry it; retried, it is a duplicate. How many
 * race depends on timing. Any other failure is an error here; `racing` are the indexes of the
 * copies to post again.
 */
export function settledSummary(answer: { summary: EventsSummary; results: EventResult[] }): { summary: EventsSummary; racing: number[] } {
  const racing: number[] = [];
  for (const result of answer.results) {
    const failed = result.rules.filter((r) => r.error !== undefined);
    if (failed.length === 0) continue;
    const other = failed.find((r) => !r.error!.startsWith('AlarmClaimInProgressError'));
    if (other) throw new Error(`event ${result.index} failed for another reason than a claim in progress: ${other.error}`);
    racing.push(result.index);
  }
  if (racing.length !== answer.summary.failed) throw new Error(`the summary counts ${answer.summary.failed} failures, the results ${racing.length}`);
  const { summary } = answer;
  const duplicate = (summary.outcomes['duplicate'] ?? 0) + racing.length;
  return { summary: { ...summary, failed: 0, outcomes: { ...summary.outcomes, ...(duplicate > 0 ? { duplicate } : {}) } }, racing };
}
