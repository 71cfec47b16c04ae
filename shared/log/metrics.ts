import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Clock } from '../ports';
import type { Logger } from './logger';

/** CloudWatch namespace of the broker's own metrics. */
export const METRICS_NAMESPACE = 'AccessBroker';

export type MetricCounts = Partial<Record<string, number>>;
export type MetricProperties = Record<string, string | undefined>;

/**
 * Emits metric records with Powertools Metrics: one CloudWatch Embedded Metric Format line per
 * record inside Lambda (CloudWatch turns it into metrics in `AccessBroker` with the single
 * dimension `Stage`; Powertools' default `service` dimension is removed so the alarms' metric
 * identity stays {Stage}). Extra properties (e.g. the classification) are EMF metadata: searchable
 * in Logs Insights, not dimensions, to keep cardinality low. Outside Lambda (local mode has no
 * CloudWatch to read them) the record is a debug log entry instead.
 */
export function createMetricEmitter(deps: { logger: Logger; clock: Clock; stage: string; inLambda?: boolean }) {
  const inLambda = deps.inLambda ?? Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME);
  const metrics = inLambda ? new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'access-broker' }) : undefined;
  if (metrics) {
    metrics.clearDefaultDimensions();
    metrics.setDefaultDimensions({ Stage: deps.stage });
  }
  return (counts: MetricCounts, properties: MetricProperties = {}) => {
    const defined = Object.entries(properties).filter((entry): entry is [string, string] => entry[1] !== undefined);
    if (!metrics) {
      deps.logger.debug('metrics', { namespace: METRICS_NAMESPACE, Stage: deps.stage, at: deps.clock.now().toISOString(), ...Object.fromEntries(defined), ...counts });
      return;
    }
    metrics.setTimestamp(deps.clock.now());
    for (const [name, value] of Object.entries(counts)) if (value !== undefined) metrics.addMetric(name, MetricUnit.Count, value);
    for (const [key, value] of defined) metrics.addMetadata(key, value);
    metrics.publishStoredMetrics();
  };
}
