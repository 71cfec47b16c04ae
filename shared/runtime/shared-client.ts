import type { Source } from './compose';

const clients = new WeakMap<Source, Map<string, unknown>>();

/**
 * One SDK client of a kind per composition: ports that call the same service (the mailer and the
 * alarms notifier on SNS, the issuer and the session denies on STS) share its connections
 * instead of each building a client. shared/runtime/dynamo.ts does the same for the table.
 */
export function sharedClient<C>(source: Source, kind: string, make: () => C): C {
  let byKind = clients.get(source);
  if (!byKind) {
    byKind = new Map();
    clients.set(source, byKind);
  }
  if (!byKind.has(kind)) byKind.set(kind, make());
  return byKind.get(kind) as C;
}
