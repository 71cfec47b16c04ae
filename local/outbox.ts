import { randomUUID } from 'node:crypto';
import type { Notifier, OutgoingMessage } from '../shared/ports';
import { safeSubject } from '../shared/adapters/sns/sns-notifier';

/** One published message as GET /_local/outbox shows it (docs/api.md, "Local-only routes"). */
export interface OutboxMessage {
  id: string;
  topic: OutgoingMessage['topic'];
  subject: string;
  message: string;
  structure?: 'json';
  attributes: Record<string, string>;
  at: string;
}

/** Local stand-in for SNS: every publish is kept in memory, in order, for the outbox routes. */
export function createOutbox(now: () => Date = () => new Date()) {
  const messages: OutboxMessage[] = [];
  const waiters: (() => void)[] = [];
  const notifier: Notifier = {
    async publish(message) {
      const entry: OutboxMessage = {
        id: randomUUID(),
        topic: message.topic,
        subject: safeSubject(message.subject),
        message: message.message,
        ...(message.structure ? { structure: message.structure } : {}),
        attributes: { ...message.attributes },
        at: now().toISOString(),
      };
      messages.push(entry);
      for (const wake of waiters.splice(0)) wake();
      return { messageId: entry.id };
    },
  };
  return {
    notifier,
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
