import { createSesMailer } from '../../adapters/ses/ses-mailer';
import { createSnsMailer } from '../../adapters/sns/sns-mailer';
import { createSnsNotifier } from '../../adapters/sns/sns-notifier';
import { sesv2Client } from '../../clients/sesv2';
import { snsClient } from '../../clients/sns';
import type { Source } from '../compose';
import { sharedClient } from '../shared-client';
import type { Deps } from '../deps';

/**
 * Mail to people as the deployment chose (`approvalMail` in serverless.yml, BROKER_MAIL_DELIVERY):
 * SES by default, one SendEmail per person; or the approvals and notifications SNS topics, whose
 * email subscriptions filter on the `approver` / `requester` attribute. Only the chosen client is
 * constructed.
 */
export function mailerPort(source: Source): Deps['mailer'] {
  const c = source.config();
  if (c.BROKER_MAIL_DELIVERY === 'sns') {
    // loadConfig refuses sns delivery without both topics.
    return createSnsMailer(
      createSnsNotifier(sharedClient(source, 'sns', snsClient), { approvals: c.BROKER_APPROVALS_TOPIC_ARN!, notifications: c.BROKER_NOTIFICATIONS_TOPIC_ARN! }),
    );
  }
  return createSesMailer(sesv2Client(), {
    from: c.BROKER_MAIL_FROM!,
    stage: c.BROKER_STAGE,
    ...(c.BROKER_SES_CONFIGURATION_SET ? { configurationSet: c.BROKER_SES_CONFIGURATION_SET } : {}),
  });
}
