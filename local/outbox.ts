import { randomUUID } from 'node:crypto';
import type { Mailer, Notifier, OutgoingMessage } from '../shared/ports';
import { safeSubject } from '../shared/adapters/sns/sns-notifier';

/** One published message as GET /_local/outbox shows it (docs/api.md, "Local-only routes"). */
export interface OutboxMessage {
  id: string;
  topic: OutgoingMessage['topic'];
  subject: string;
  message: string;
  structure?: 'json';
  attributes: Record<string, string>;
  /** Mail to a person: the one recipient (SES's ToAddresses). Absent for SNS publishes (alarms). */
  to?: string;
  /** Mail to a person: the HTML part SES would send next to `message` (the plain-text part). */
  html?: string;
  at: string;
}

/**
 * Local stand-in for SNS and SES: every alarm publish and every mail is kept in memory, in order,
 * for the outbox routes. Mail keeps the outbox's contract whatever the deployed delivery: topic
 * `approvals` or `notifications`, the plain-text part as `message`, the `approver` / `requester`
 * attribute; the recipient and the HTML part come along as `to` and `html`.
 */
export function createOutbox(now: () => Date = () => new Date()) {
  const messages: OutboxMessage[] = [];
  const waiters: (() => void)[] = [];
  const keep = (entry: Omit<OutboxMessage, 'id' | 'at'>): { messageId: string } => {
    const full: OutboxMessage = { id: randomUUID(), ...entry, at: now().toISOString() };
    messages.push(full);
    for (const wake of waiters.splice(0)) wake();
    return { messageId: full.id };
  };
  const notifier: Notifier = {
    async publish(message) {
      return keep({
        topic: message.topic,
        subject: safeSubject(message.subject),
        message: message.message,
        ...(message.structure ? { structure: message.structure } : {}),
        attributes: { ...message.attributes },
      });
    },
  };
  const mailer: Mailer = {
    async send(mail) {
      return keep({
        topic: mail.topic,
        subject: mail.subject,
        message: mail.text,
        attributes: { ...mail.attributes },
        to: mail.to,
        ...(mail.html ? { html: mail.html } : {}),
      });
    },
  };
  return {
    notifier,
    mailer,
    messages: (): readonly OutboxMessage[] => messages,
    /** Resolves once a message satisfying `predicate` exists (tests and demos). */
    async waitFor(predicate: (m: OutboxMessage) => boolean, timeoutMs = 10_000): Promise<OutboxMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('Timed out waiting for an outbox message');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
