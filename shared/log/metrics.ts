import type { Clock } from '../ports';
import type { Logger } from './logger';

/** CloudWatch namespace of the broker's own metrics. */
export const METRICS_NAMESPACE = 'AccessBroker';

export type MetricCounts = Partial<Record<string, number>>;
export type MetricProperties = Record<string, string | undefined>;

/**
 * A CloudWatch Embedded Metric Format record: printed as one JSON line by a Lambda, CloudWatch
 * turns it into metrics in `AccessBroker` with dimension `Stage`. Extra properties (e.g. the
 * classification) are searchable in Logs Insights but are not dimensions, to keep cardinality low.
 */
export function embeddedMetrics(
  counts: MetricCounts,
  context: { stage: string; at: Date; properties?: MetricProperties },
): Record<string, unknown> {
  const properties = Object.fromEntries(
    Object.entries(context.properties ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return {
    _aws: {
      Timestamp: context.at.getTime(),
      CloudWatchMetrics: [
        { Namespace: METRICS_NAMESPACE, Dimensions: [['Stage']], Metrics: Object.keys(counts).map((Name) => ({ Name, Unit: 'Count' })) },
      ],
    },
    Stage: context.stage,
    ...properties,
    ...counts,
  };
}

/**
 * Emits metric records: as EMF lines on stdout inside Lambda (where CloudWatch picks them up),
 * as debug log entries elsewhere (local mode has no CloudWatch to read them).
 */
export function createMetricEmitter(deps: { logger: Logger; clock: Clock; stage: string; inLambda?: boolean }) {
  const inLambda = deps.inLambda ?? Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
  return (counts: MetricCounts, properties: MetricProperties = {}) => {
    const record = embeddedMetrics(counts, { stage: deps.stage, at: deps.clock.now(), properties });
    if (inLambda) process.stdout.write(`${JSON.stringify(record)}\n`);
    else deps.logger.debug('metrics', record);
  };
}
