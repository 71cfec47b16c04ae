import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { awsErrorCode, BrokerErrorName, isThrottlingError, isTransientError, upstreamError } from '../aws-errors';
import type { DataKey, KeySource } from './key-source';
import { VaultOpenError } from './vault-errors';

/** Decrypt answers these (both in its model) when the ciphertext, the encryption context or the key does not match. */
export const KMS_NOT_OURS_ERRORS: ReadonlySet<string> = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** Decrypt's CiphertextBlob bounds in the KMS API model. */
const MIN_CIPHERTEXT_BYTES = 1;
const MAX_CIPHERTEXT_BYTES = 6144;

/**
 * Data keys from KMS. The encryption context {requestId} is logged by CloudTrail on every
 * Decrypt (who opened which request's credentials) and must match to decrypt.
 */
export function kmsKeySource(kms: KMSClient, keyId: string): KeySource {
  return {
    async generateDataKey(requestId: string): Promise<DataKey> {
      try {
        const out = await kms.send(
          new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: { requestId } }),
        );
        if (!out.Plaintext || !out.CiphertextBlob) throw new Error('GenerateDataKey returned no key');
        return { plaintext: Buffer.from(out.Plaintext), encrypted: Buffer.from(out.CiphertextBlob), keyId: out.KeyId ?? keyId };
      } catch (error) {
        throw mapKmsError(error, keyId);
      }
    },

    async decryptDataKey(requestId: string, encrypted: Buffer, sealedKeyId: string): Promise<Buffer> {
      if (sealedKeyId.startsWith('local:')) {
        throw new VaultOpenError('it was sealed with a local key file, not KMS');
      }
      // Decrypt's model takes 1-6144 bytes; anything else is a damaged record, not a KMS failure.
      if (encrypted.length < MIN_CIPHERTEXT_BYTES || encrypted.length > MAX_CIPHERTEXT_BYTES) {
        throw new VaultOpenError(`the wrapped data key is ${encrypted.length} bytes, outside KMS's ${MIN_CIPHERTEXT_BYTES}-${MAX_CIPHERTEXT_BYTES}`);
      }
      try {
        // KeyId is the configured key, not the one stored with the blob: a record pointing
        // at some other key (that might also let us decrypt) must not be honoured.
        const out = await kms.send(
          new DecryptCommand({ CiphertextBlob: encrypted, KeyId: keyId, EncryptionContext: { requestId } }),
        );
        if (!out.Plaintext) throw new Error('Decrypt returned no key');
        return Buffer.from(out.Plaintext);
      } catch (error) {
        if (KMS_NOT_OURS_ERRORS.has(awsErrorCode(error))) {
          throw new VaultOpenError('KMS refused the data key (another request, another key, or altered bytes)');
        }
        throw mapKmsError(error, keyId);
      }
    },
  };
}

function mapKmsError(error: unknown, keyId: string) {
  const code = awsErrorCode(error);
  // KMS reports its request-rate quota as the common ThrottlingException; LimitExceededException
  // is a resource quota (keys, aliases, grants) that GenerateDataKey and Decrypt never return.
  if (isThrottlingError(error)) {
    return upstreamError('KMS_THROTTLED', 'KMS throttled the broker; retry', BrokerErrorName.THROTTLED);
  }
  if (isTransientError(error)) {
    return upstreamError('KMS_UNAVAILABLE', 'KMS was unavailable; retry', BrokerErrorName.TRANSIENT);
  }
  return upstreamError(
    'KMS_KEY_UNUSABLE',
    `KMS key ${keyId} could not be used (${code}): check that it exists, is enabled, and that the broker may call kms:GenerateDataKey and kms:Decrypt on it`,
    BrokerErrorName.UPSTREAM,
  );
}
