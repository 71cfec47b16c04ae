/**
 * Where the vault's per-secret data keys come from and how they are unwrapped: KMS in AWS,
 * a local key file in local mode. Both bind the wrapped key to the request id, so a data
 * key copied to another request's record cannot be unwrapped there.
 */
export interface DataKey {
  /** 32 bytes for AES-256. The vault zeroes it after use. */
  plaintext: Buffer;
  /** The wrapped key to store next to the ciphertext. */
  encrypted: Buffer;
  /** Which key wrapped it (KMS key ARN, or `local:<fingerprint>`). */
  keyId: string;
}

export interface KeySource {
  generateDataKey(requestId: string): Promise<DataKey>;
  /** Unwraps a key produced by generateDataKey for the same request id; throws VaultOpenError otherwise. */
  decryptDataKey(requestId: string, encrypted: Buffer, keyId: string): Promise<Buffer>;
}
