import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { lambdaContextMiddleware } from '../shared/log/lambda-context';
import { createMetricEmitter } from '../shared/log/metrics';
import { atColdStart, compose } from '../shared/runtime/compose';
import { alarmPathWiring, type AlarmPathPorts } from '../shared/runtime/ports/alarm-path';
import { AlarmAtRiskError, AlertMetric, handleRoleUseEvent, metricsOf, type AlertOutcome } from '../shared/usecases/alert-on-role-use';

/** This function's ports (composition root): DynamoDB and SNS clients. */
export type Ports = AlarmPathPorts;
const wiring = alarmPathWiring;

/**
 * EventBridge target of the watched-role rules (infra/alert-rules.cjs): one CloudTrail
 * AssumeRole* or console SwitchRole event per invocation, at most one alarm.
 *
 * A malformed or unexpected event is logged (never the event itself: it carries the issued
 * credentials) and counted, and the function returns normally: retrying a poison event cannot
 * help. A transient failure (DynamoDB, SNS) is rethrown so Lambda's async retries, EventBridge's
 * retry policy and the dead-letter queue apply; the use case has released the event id by then,
 * so the retry alarms instead of being dropped as a duplicate.
 *
 * Metrics go out as CloudWatch Embedded Metric Format lines on stdout (namespace AccessBroker):
 * MalformedEvents, UnsupportedEvents, IgnoredEvents, DuplicateEvents, AlarmsPublished,
 * HistoryAppendFailures, ProcessingFailures, AlarmsAtRisk. Outside Lambda (local mode) they are
 * debug log entries instead.
 */
export const createHandler = (given: Partial<Ports> = {}) => {
  const deps = compose(wiring, given);
  let emitter: ReturnType<typeof createMetricEmitter> | undefined;
  return middy(async (event: unknown, context: Context): Promise<AlertOutcome> => {
    const logger = deps.logger.child({ awsRequestId: context.awsRequestId });
    // One emitter per container, built on the first event (inside Lambda by then), not per event.
    const emit = (emitter ??= createMetricEmitter({ logger: deps.logger, clock: deps.clock, stage: deps.settings.stage }));
    try {
      const outcome = await handleRoleUseEvent(deps, event);
      emit(metricsOf(outcome), {
        outcome: outcome.outcome,
        eventId: outcome.eventId,
        ...(outcome.outcome === 'alarmed' ? { classification: outcome.classification, severity: outcome.severity } : {}),
      });
      return outcome;
    } catch (error) {
      emit({
        [AlertMetric.PROCESSING_FAILURES]: 1,
        ...(error instanceof AlarmAtRiskError ? { [AlertMetric.ALARMS_AT_RISK]: 1 } : {}),
      });
      logger.error('alert processing failed; rethrown so the delivery is retried', { error });
      throw error;
    }
  }).use(lambdaContextMiddleware(deps.logger));
};

export const handler = atColdStart(createHandler);
