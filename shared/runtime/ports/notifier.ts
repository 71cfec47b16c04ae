import { createSnsNotifier } from '../../adapters/sns/sns-notifier';
import { snsClient } from '../../clients/sns';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/** The broker's three SNS topics. */
export function notifierPort(source: Source): Deps['notifier'] {
  const c = source.config();
  return createSnsNotifier(snsClient(), {
    approvals: c.BROKER_APPROVALS_TOPIC_ARN,
    notifications: c.BROKER_NOTIFICATIONS_TOPIC_ARN,
    alarms: c.BROKER_ALARMS_TOPIC_ARN,
  });
}
