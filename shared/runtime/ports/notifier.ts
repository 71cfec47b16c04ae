import { createSnsNotifier } from '../../adapters/sns/sns-notifier';
import { snsClient } from '../../clients/sns';
import type { Source } from '../compose';
import { sharedClient } from '../shared-client';
import type { Deps } from '../deps';

/** The alarms topic (mail to people goes through the mailer port: shared/runtime/ports/mailer.ts). */
export function notifierPort(source: Source): Deps['notifier'] {
  return createSnsNotifier(sharedClient(source, 'sns', snsClient), { alarms: source.config().BROKER_ALARMS_TOPIC_ARN });
}
