import { createDynamoApprovalLinkRepository } from '../../adapters/dynamo/approval-link-repository';
import type { Source } from '../compose';
import type { Deps } from '../deps';
import { brokerTable } from '../dynamo';

/** Approval links (stored hashed) in the broker table. */
export function linksPort(source: Source): Deps['links'] {
  const table = brokerTable(source);
  return createDynamoApprovalLinkRepository(table.db, table.name);
}
