import { parseCloudTrailRecord } from '../alerts/cloudtrail-event';
import { scanTrailLogFile, watchedRecordFilter, watchedRecordText } from '../alerts/trail-log';
import { AlarmSource } from '../domain/role-use';
import { AlarmClaimInProgressError, alarmOnParsed, alarmScope, type AlertDeps, type AlertOutcome } from './alert-on-role-use';

/** What reconciling one log file did (the local route answers the first four). */
export interface TrailReconciliation {
  /** Records in the file. */
  records: number;
  /** Records the pre-filter passed: possible uses of a watched role, parsed in full. */
  watched: number;
  /** Alarms published now: watched-role uses the real-time path never alarmed on. */
  alarmed: number;
  /** Alarms the real-time path (or an earlier reading of the file) had already published. */
  duplicates: number;
  /** Role uses that raise no alarm (failed calls, unwatched roles, the issuer's copies...). */
  ignored: number;
  /** Records whose alarm another delivery is publishing right now; the file must be read again. */
  inProgress: number;
  /** Records whose alarm failed (SNS, DynamoDB); the file must be read again. */
  failed: number;
}

/** How many records are alarmed on at once. */
const CONCURRENCY = 8;

/** The file must be read again: some alarms are in progress elsewhere or failed to publish. */
export class TrailReconciliationIncompleteError extends Error {
  constructor(
    readonly result: TrailReconciliation,
    cause?: unknown,
  ) {
    super(`trail log file reconciled incompletely: ${result.inProgress} in progress, ${result.failed} failed; retry the file`, { cause });
    this.name = 'TrailReconciliationIncompleteError';
  }
}

/**
 * Reads one CloudTrail log file (gzip or plain JSON) and alarms on every use of a watched role the
 * real-time path has not handled: the same classification, the same dedupe keys (so a record
 * already alarmed on is a duplicate), labelled `source: trail-reconciliation` with the delay since
 * the event. Records pass a cheap pre-filter before they are parsed.
 *
 * Throws TrailReconciliationIncompleteError after processing every record when some could not be
 * settled (claimed elsewhere and still in progress, or failed to publish): reading the file again
 * alarms on those and finds the rest duplicates. Throws TrailLogFormatError for a file that is
 * not a CloudTrail log file.
 */
export async function reconcileTrailLog(deps: AlertDeps, bytes: Uint8Array, file = 'log file'): Promise<TrailReconciliation> {
  const scanned = scanTrailLogFile(bytes, watchedRecordText, watchedRecordFilter(alarmScope(deps).watchedRoleArns));
  const candidates = scanned.candidates;
  const result: TrailReconciliation = {
    records: scanned.count,
    watched: candidates.length,
    alarmed: 0,
    duplicates: 0,
    ignored: 0,
    inProgress: 0,
    failed: 0,
  };
  const log = deps.logger.child({ file });
  let firstFailure: unknown;
  let next = 0;
  const worker = async () => {
    while (next < candidates.length) {
      const record = candidates[next++];
      const parsed = parseCloudTrailRecord(record);
      const eventTime = typeof (record as { eventTime?: unknown }).eventTime === 'string' ? Date.parse((record as { eventTime: string }).eventTime) : NaN;
      const delaySeconds = Number.isNaN(eventTime) ? undefined : (deps.clock.now().getTime() - eventTime) / 1000;
      try {
        const outcome: AlertOutcome = await alarmOnParsed(
          deps,
          parsed,
          { source: AlarmSource.TRAIL_RECONCILIATION, ...(delaySeconds === undefined ? {} : { delaySeconds }) },
          log,
        );
        if (outcome.outcome === 'alarmed') result.alarmed++;
        else if (outcome.outcome === 'duplicate') result.duplicates++;
        else result.ignored++;
      } catch (error) {
        if (error instanceof AlarmClaimInProgressError) result.inProgress++;
        else {
          result.failed++;
          firstFailure ??= error;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, candidates.length) }, worker));
  log.info('trail log file reconciled', { ...result });
  if (result.inProgress > 0 || result.failed > 0) throw new TrailReconciliationIncompleteError(result, firstFailure);
  return result;
}
