import { SendEmailCommand, type MessageTag, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mail, Mailer } from '../../ports';

/** How the broker sends through SES: the verified From identity and an optional configuration set. */
export interface SesMailerOptions {
  /** A plain address of (or under) a verified SES identity: `FromEmailAddress`. */
  from: string;
  /** Configuration set for event publishing (bounces, complaints, deliveries); optional. */
  configurationSet?: string;
  /** The deployment stage, tagged on every message. */
  stage: string;
}

/**
 * Headers on every message. `Auto-Submitted: auto-generated` (RFC 3834) tells mail systems the
 * message is machine-made, so vacation responders do not answer it; `X-Auto-Response-Suppress`
 * says the same to Exchange and Outlook. No `List-Unsubscribe`: there is no list to leave, and a
 * one-click unsubscribe URL is something link scanners would fetch.
 */
export const MAIL_HEADERS = [
  { Name: 'Auto-Submitted', Value: 'auto-generated' },
  { Name: 'X-Auto-Response-Suppress', Value: 'All' },
] as const;

/** Mail attributes that become SES message tags (never the recipient: tags reach event destinations and CloudWatch). */
const TAGGED_ATTRIBUTES = ['kind', 'event', 'requestId'] as const;

/** A tag name or value as SES accepts it: ASCII letters, digits, `_` and `-`, at most 256 characters. */
export const tagSafe = (value: string): string => value.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256);

/** One line, no control characters, at most 200 characters (a subject is a header line). */
export function mailSubject(subject: string): string {
  const clean = subject.replace(/[\p{Cc}\p{Zl}\p{Zp}]+/gu, ' ').replace(/\s+/g, ' ').trim();
  const chars = [...clean];
  return chars.length <= 200 ? clean : `${chars.slice(0, 197).join('')}...`;
}

/** The SESv2 SendEmail input for one mail: one recipient, Simple content with a Text and (when given) an Html part. */
export function sendEmailInput(mail: Mail, options: SesMailerOptions) {
  const tags: MessageTag[] = [{ Name: 'stage', Value: tagSafe(options.stage) }];
  for (const name of TAGGED_ATTRIBUTES) {
    const value = mail.attributes[name];
    if (value) tags.push({ Name: name, Value: tagSafe(value) });
  }
  return {
    FromEmailAddress: options.from,
    Destination: { ToAddresses: [mail.to] },
    Content: {
      Simple: {
        Subject: { Data: mailSubject(mail.subject), Charset: 'UTF-8' },
        Body: {
          Text: { Data: mail.text, Charset: 'UTF-8' },
          ...(mail.html ? { Html: { Data: mail.html, Charset: 'UTF-8' } } : {}),
        },
        Headers: MAIL_HEADERS.map((h) => ({ ...h })),
      },
    },
    EmailTags: tags,
    ...(options.configurationSet ? { ConfigurationSetName: options.configurationSet } : {}),
  };
}

/**
 * Mail through Amazon SES: one SendEmail per recipient, so each message reaches exactly one
 * person and no one subscribes to anything. Errors are left to the caller (the workflow's
 * Retry rules classify them: SES's TooManyRequestsException is retried as throttled).
 */
export function createSesMailer(ses: SESv2Client, options: SesMailerOptions): Mailer {
  return {
    async send(mail) {
      const result = await ses.send(new SendEmailCommand(sendEmailInput(mail, options)));
      return { messageId: result.MessageId ?? '' };
    },
  };
}
