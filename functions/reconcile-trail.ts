import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { TrailLogReader } from '../shared/adapters/s3/trail-log-reader';
import { isTrailLogKey, trailObjectsOf } from '../shared/alerts/trail-notification';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { createMetricEmitter } from '../shared/log/metrics';
import { atColdStart, compose, type Wiring } from '../shared/runtime/compose';
import { alarmPathWiring, type AlarmPathPorts } from '../shared/runtime/ports/alarm-path';
import { trailReaderPort } from '../shared/runtime/ports/trail-reader';
import { reconcileTrailLog, TrailReconciliationIncompleteError, type TrailReconciliation } from '../shared/usecases/reconcile-trail';

/** This function's ports (composition root): DynamoDB, SNS and S3 clients. */
export type Ports = AlarmPathPorts & { trailReader: TrailLogReader };
const wiring: Wiring<Ports> = { ...alarmPathWiring, trailReader: trailReaderPort };

/**
 * Target of the trail bucket's "Object Created" events (EventBridge rule, or an S3 event
 * notification): reads each delivered CloudTrail log file and alarms on every watched-role use the
 * real-time EventBridge path missed (EventBridge delivers CloudTrail events on a best-effort basis;
 * the log files are complete). Objects that are not log files (digests) are skipped.
 *
 * Metrics (EMF, namespace AccessBroker): TrailRecordsRead, TrailWatchedRecords,
 * TrailAlarmsPublished, TrailDuplicates. An incomplete file (an alarm in progress elsewhere, or a
 * publish that failed) is rethrown after every record was tried, so Lambda's retries read it again.
 */
export const createHandler = (given: Partial<Ports> = {}) => {
  const deps = compose(wiring, given);
  let emitter: ReturnType<typeof createMetricEmitter> | undefined;
  return middy(async (event: unknown, context: Context): Promise<{ files: (TrailReconciliation & { key: string })[] }> => {
    const logger = deps.logger.child({ awsRequestId: context.awsRequestId });
    // One emitter per container, built on the first event (inside Lambda by then), not per event.
    const emit = (emitter ??= createMetricEmitter({ logger: deps.logger, clock: deps.clock, stage: deps.settings.stage }));
    const objects = trailObjectsOf(event);
    if (objects === undefined) {
      logger.error('not an S3 notification or Object Created event; nothing read');
      return { files: [] };
    }
    const files: (TrailReconciliation & { key: string })[] = [];
    for (const { bucket, key } of objects) {
      if (!isTrailLogKey(key)) {
        logger.info('not a CloudTrail log file; skipped', { key });
        continue;
      }
      try {
        const result = await reconcileTrailLog(deps, await deps.trailReader.read(bucket, key), key);
        emit(
          { TrailRecordsRead: result.records, TrailWatchedRecords: result.watched, TrailAlarmsPublished: result.alarmed, TrailDuplicates: result.duplicates },
          { key },
        );
        files.push({ key, ...result });
      } catch (error) {
        if (error instanceof TrailReconciliationIncompleteError) emit({ TrailAlarmsPublished: error.result.alarmed, ProcessingFailures: 1 }, { key });
        else emit({ ProcessingFailures: 1 }, { key });
        logger.error('trail log file not fully reconciled; rethrown so the file is read again', { key, error });
        throw error;
      }
    }
    return { files };
  }).use(lambdaContextMiddleware(deps.logger));
};

export const handler = atColdStart(createHandler);
