import { createEnvelopeVault } from '../../adapters/vault/envelope-vault';
import { kmsKeySource } from '../../adapters/vault/kms-key-source';
import { kmsClient } from '../../clients/kms';
import type { Source } from '../compose';
import type { Deps } from '../deps';

/** Envelope encryption of issued credentials with data keys from the vault KMS key. */
export function vaultPort(source: Source): Deps['vault'] {
  return createEnvelopeVault(kmsKeySource(kmsClient(), source.config().BROKER_KMS_KEY_ID));
}
