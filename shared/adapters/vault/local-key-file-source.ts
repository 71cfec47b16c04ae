import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DataKey, KeySource } from './key-source';
import { VaultOpenError } from './vault-errors';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Local mode's stand-in for KMS: a 32-byte master key in a file (created 0600 when missing)
 * wraps each data key with AES-256-GCM, the request id as AAD like KMS's encryption context.
 * Wrapped key layout: IV (12) | encrypted data key (32) | tag (16).
 */
export function localKeyFileSource(path: string): KeySource {
  let master: Promise<{ key: Buffer; keyId: string }> | undefined;
  const load = () => {
    if (!master) {
      const pending = loadOrCreateKey(path).then((key) => ({ key, keyId: `local:${fingerprint(key)}` }));
      master = pending;
      // A failed read (say, a bad file the developer then deletes) is retried next time.
      pending.catch(() => {
        if (master === pending) master = undefined;
      });
    }
    return master;
  };

  return {
    async generateDataKey(requestId: string): Promise<DataKey> {
      const { key, keyId } = await load();
      const plaintext = randomBytes(KEY_BYTES);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(requestId, 'utf8'));
      const wrapped = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { plaintext, encrypted: Buffer.concat([iv, wrapped, cipher.getAuthTag()]), keyId };
    },

    async decryptDataKey(requestId: string, encrypted: Buffer, sealedKeyId: string): Promise<Buffer> {
      const { key, keyId } = await load();
      if (sealedKeyId !== keyId) {
        throw new VaultOpenError(`it was sealed with key ${sealedKeyId}, and this broker holds ${keyId}`);
      }
      if (encrypted.length !== IV_BYTES + KEY_BYTES + TAG_BYTES) {
        throw new VaultOpenError('the wrapped data key has the wrong length');
      }
      const iv = encrypted.subarray(0, IV_BYTES);
      const tag = encrypted.subarray(IV_BYTES + KEY_BYTES);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(requestId, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(encrypted.subarray(IV_BYTES, IV_BYTES + KEY_BYTES)), decipher.final()]);
      } catch {
        throw new VaultOpenError('the data key does not unwrap for this request with this key');
      }
    },
  };
}

/** Non-secret short identifier of a key: the first 16 hex digits of its SHA-256. */
function fingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

async function loadOrCreateKey(path: string): Promise<Buffer> {
  try {
    return checkKey(await readFile(path), path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    // 'wx' fails if another process created it meanwhile; then use theirs.
    await writeFile(path, randomBytes(KEY_BYTES), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return checkKey(await readFile(path), path);
}

function checkKey(key: Buffer, path: string): Buffer {
  if (key.length !== KEY_BYTES) {
    throw new Error(`Local vault key file ${path} must hold exactly ${KEY_BYTES} bytes; it holds ${key.length}. Delete it to create a new one.`);
  }
  return key;
}
