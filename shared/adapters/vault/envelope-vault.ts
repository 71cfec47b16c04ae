import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { CredentialVault, SealedSecret } from '../../ports';
import type { KeySource } from './key-source';
import { VaultOpenError } from './vault-errors';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Envelope encryption for credentials at rest: a fresh data key and a fresh 12-byte IV per
 * seal, AES-256-GCM, and the request id as additional authenticated data so a sealed blob
 * moved onto another request fails to open instead of handing out someone else's access.
 */
export function createEnvelopeVault(keySource: KeySource): CredentialVault {
  return {
    async seal(requestId: string, plaintext: string): Promise<SealedSecret> {
      const dataKey = await keySource.generateDataKey(requestId);
      try {
        if (dataKey.plaintext.length !== KEY_BYTES) throw new Error(`Data key must be ${KEY_BYTES} bytes`);
        const iv = randomBytes(IV_BYTES);
        const cipher = createCipheriv(ALGORITHM, dataKey.plaintext, iv, { authTagLength: TAG_BYTES });
        cipher.setAAD(Buffer.from(requestId, 'utf8'));
        const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
        return {
          encryptedKey: dataKey.encrypted.toString('base64'),
          iv: iv.toString('base64'),
          ciphertext: ciphertext.toString('base64'),
          tag: cipher.getAuthTag().toString('base64'),
          keyId: dataKey.keyId,
        };
      } finally {
        dataKey.plaintext.fill(0);
      }
    },

    async open(requestId: string, sealed: SealedSecret): Promise<string> {
      const iv = Buffer.from(sealed.iv, 'base64');
      const tag = Buffer.from(sealed.tag, 'base64');
      // A short tag would weaken GCM's integrity check: insist on the full 16 bytes.
      if (iv.length !== IV_BYTES) throw new VaultOpenError(`the IV is ${iv.length} bytes, expected ${IV_BYTES}`);
      if (tag.length !== TAG_BYTES) throw new VaultOpenError(`the tag is ${tag.length} bytes, expected ${TAG_BYTES}`);
      const key = await keySource.decryptDataKey(requestId, Buffer.from(sealed.encryptedKey, 'base64'), sealed.keyId);
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(requestId, 'utf8'));
        decipher.setAuthTag(tag);
        const plaintext = Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
        return plaintext.toString('utf8');
      } catch {
        throw new VaultOpenError('authentication failed (the ciphertext or tag was altered, or it belongs to another request)');
      } finally {
        key.fill(0);
      }
    },
  };
}
