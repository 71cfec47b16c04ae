import { createDynamoCredentialStore } from '../../adapters/dynamo/credential-store';
import type { Source } from '../compose';
import type { Deps } from '../deps';
import { brokerTable } from '../dynamo';

/** Sealed credentials in the broker table. */
export function credentialsPort(source: Source): Deps['credentials'] {
  const table = brokerTable(source);
  return createDynamoCredentialStore(table.db, table.name);
}
