import { createDynamoLimitStore } from '../../adapters/dynamo/limit-store';
import type { Source } from '../compose';
import type { Deps } from '../deps';
import { brokerTable } from '../dynamo';

/** The limit counters (open slots, submission rate, auto-approval cool-down) in the broker table. */
export function limitsPort(source: Source): Deps['limits'] {
  const table = brokerTable(source);
  return createDynamoLimitStore(table.db, table.name);
}
