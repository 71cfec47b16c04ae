import { createDynamoRequestRepository } from '../../adapters/dynamo/request-repository';
import type { Source } from '../compose';
import type { Deps } from '../deps';
import { brokerTable } from '../dynamo';

/** Requests in the broker table. */
export function requestsPort(source: Source): Deps['requests'] {
  const table = brokerTable(source);
  return createDynamoRequestRepository(table.db, table.name);
}
