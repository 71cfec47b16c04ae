import type { Mailer, Notifier } from '../../ports';

/**
 * Mail through the SNS topics (the `approvalMail: sns` deployment): each mail is published to
 * its stream's topic as plain text, with the attributes the email subscriptions' filter policies
 * match (`approver` on the approvals topic, `requester` on the notifications topic). SNS email
 * has no HTML part.
 */
export function createSnsMailer(notifier: Notifier): Mailer {
  return {
    send: (mail) => notifier.publish({ topic: mail.topic, subject: mail.subject, message: mail.text, attributes: { ...mail.attributes } }),
  };
}
