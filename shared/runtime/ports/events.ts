import { createDynamoEventDeduper } from '../../adapters/dynamo/event-deduper';
import type { Source } from '../compose';
import type { Deps } from '../deps';
import { brokerTable } from '../dynamo';

/** Alarm event ids remembered in the broker table to drop duplicate deliveries. */
export function eventsPort(source: Source): Deps['events'] {
  const table = brokerTable(source);
  return createDynamoEventDeduper(table.db, table.name, source.config().BROKER_EVENT_DEDUPE_DAYS);
}
