import {
  DecryptCommand,
  DependencyTimeoutException,
  DisabledException,
  GenerateDataKeyCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KeyUnavailableException,
  KMSClient,
  KMSInternalException,
  KMSInvalidStateException,
  KMSServiceException,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEnvelopeVault } from '../../shared/adapters/vault/envelope-vault';
import { kmsKeySource } from '../../shared/adapters/vault/kms-key-source';
import { localKeyFileSource } from '../../shared/adapters/vault/local-key-file-source';
import { VaultOpenError } from '../../shared/adapters/vault/vault-errors';
import type { SealedSecret } from '../../shared/ports';
import { assertMockCallsMatchModel, modelErrors, modelErrorStatus, modelMember } from '../helpers/aws-model';

const SECRET = JSON.stringify({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'very-secret-value', sessionToken: 'tok' });
const REQ = '01JNKQ7R8W3V5X2Y4Z6A8B0C1D';
const OTHER = '01JNKQ7R8W3V5X2Y4Z6A8B0C1E';

/** Flips one bit of a base64 field. */
const flip = (b64: string, index = 0): string => {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] = bytes[index]! ^ 0x01;
  return bytes.toString('base64');
};

async function expectOpenFails(promise: Promise<string>): Promise<VaultOpenError> {
  const error = await promise.then(
    () => {
      throw new Error('opened but should not have');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultOpenError);
  expect((error as Error).message).not.toContain('very-secret-value');
  expect((error as VaultOpenError).code).toBe('SEALED_SECRET_UNREADABLE');
  return error as VaultOpenError;
}

describe('envelope vault with a local key file', () => {
  let dir: string;
  let keyPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vault-test-'));
    keyPath = join(dir, 'nested', 'vault.key');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a missing 32-byte key file with mode 0600', async () => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    await vault.seal(REQ, SECRET);
    const info = await stat(keyPath);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await readFile(keyPath)).length).toBe(32);
  });

  it('round-trips, and the sealed form carries no plaintext', async () => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    const sealed = await vault.seal(REQ, SECRET);
    expect(JSON.stringify(sealed)).not.toContain('very-secret-value');
    expect(Buffer.from(sealed.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(sealed.tag, 'base64')).toHaveLength(16);
    expect(sealed.keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(await vault.open(REQ, sealed)).toBe(SECRET);
  });

  it('opens with a new source reading the same key file (a restarted local server)', async () => {
    const sealed = await createEnvelopeVault(localKeyFileSource(keyPath)).seal(REQ, SECRET);
    expect(await createEnvelopeVault(localKeyFileSource(keyPath)).open(REQ, sealed)).toBe(SECRET);
  });

  it('uses a fresh data key and IV per seal', async () => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    const a = await vault.seal(REQ, SECRET);
    const b = await vault.seal(REQ, SECRET);
    expect(a.iv).not.toBe(b.iv);
    expect(a.encryptedKey).not.toBe(b.encryptedKey);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.keyId).toBe(b.keyId);
  });

  it('refuses to open under another request id', async () => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(OTHER, sealed));
  });

  it('refuses when the data key was moved from another request (payload AAD alone is checked too)', async () => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    const mine = await vault.seal(REQ, SECRET);
    const theirs = await vault.seal(OTHER, 'other');
    await expectOpenFails(vault.open(REQ, { ...mine, encryptedKey: theirs.encryptedKey }));
  });

  it.each<[string, (s: SealedSecret) => SealedSecret]>([
    ['ciphertext', (s) => ({ ...s, ciphertext: flip(s.ciphertext, 3) })],
    ['tag', (s) => ({ ...s, tag: flip(s.tag) })],
    ['iv', (s) => ({ ...s, iv: flip(s.iv) })],
    ['wrapped key', (s) => ({ ...s, encryptedKey: flip(s.encryptedKey, 20) })],
    ['truncated tag', (s) => ({ ...s, tag: Buffer.from(s.tag, 'base64').subarray(0, 12).toString('base64') })],
  ])('refuses a tampered %s', async (_label, tamper) => {
    const vault = createEnvelopeVault(localKeyFileSource(keyPath));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(REQ, tamper(sealed)));
  });

  it('refuses a blob sealed with another key', async () => {
    const otherPath = join(dir, 'other.key');
    const sealed = await createEnvelopeVault(localKeyFileSource(otherPath)).seal(REQ, SECRET);
    const error = await expectOpenFails(createEnvelopeVault(localKeyFileSource(keyPath)).open(REQ, sealed));
    expect(error.message).toContain('sealed with key local:');
  });

  it('refuses a key file of the wrong size with a message naming the file', async () => {
    const badPath = join(dir, 'bad.key');
    await writeFile(badPath, randomBytes(16), { mode: 0o600 });
    await expect(createEnvelopeVault(localKeyFileSource(badPath)).seal(REQ, SECRET)).rejects.toThrow(
      `Local vault key file ${badPath} must hold exactly 32 bytes; it holds 16`,
    );
  });
});

describe('envelope vault with KMS', () => {
  const kms = new KMSClient({ region: 'eu-west-1' });
  const kmsMock = mockClient(kms);
  const KEY_ARN = 'arn:aws:kms:eu-west-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const dataKey = randomBytes(32);
  const wrapped = Buffer.from('kms-ciphertext-blob');

  beforeEach(() => {
    kmsMock.reset();
    // Fresh copies: the vault zeroes the plaintext key it is handed after use.
    kmsMock.on(GenerateDataKeyCommand).callsFake(async () => ({
      Plaintext: new Uint8Array(dataKey),
      CiphertextBlob: new Uint8Array(wrapped),
      KeyId: KEY_ARN,
    }));
    kmsMock.on(DecryptCommand).callsFake(async () => ({ Plaintext: new Uint8Array(dataKey), KeyId: KEY_ARN }));
  });

  // Every GenerateDataKey / Decrypt a test sends must be one KMS accepts.
  afterEach(() => {
    assertMockCallsMatchModel(kmsMock);
  });

  it('asks for an AES_256 data key bound to the request id, and decrypts with the same context', async () => {
    const vault = createEnvelopeVault(kmsKeySource(kms, 'alias/access-broker'));
    const sealed = await vault.seal(REQ, SECRET);
    expect(kmsMock.commandCalls(GenerateDataKeyCommand).map((c) => c.args[0].input)).toEqual([
      { KeyId: 'alias/access-broker', KeySpec: 'AES_256', EncryptionContext: { requestId: REQ } },
    ]);
    expect(sealed.keyId).toBe(KEY_ARN);
    expect(sealed.encryptedKey).toBe(wrapped.toString('base64'));

    expect(await vault.open(REQ, sealed)).toBe(SECRET);
    const decrypt = kmsMock.commandCalls(DecryptCommand)[0]!.args[0].input;
    expect(decrypt.KeyId).toBe('alias/access-broker');
    expect(decrypt.EncryptionContext).toEqual({ requestId: REQ });
    expect(Buffer.from(decrypt.CiphertextBlob!)).toEqual(wrapped);
  });

  it('fails to open under another request id even when KMS hands back the key (payload AAD)', async () => {
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(OTHER, sealed));
  });

  it('turns KMS InvalidCiphertextException (wrong context or key) into VaultOpenError', async () => {
    kmsMock.on(DecryptCommand).rejects(new InvalidCiphertextException({ $metadata: {}, message: 'raw' }));
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(REQ, sealed));
  });

  it('refuses a blob sealed by the local key file without calling KMS', async () => {
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(REQ, { ...sealed, keyId: 'local:0123456789abcdef' }));
    expect(kmsMock.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  it('names the key when KMS refuses to generate a data key', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejects(Object.assign(new Error('raw'), { name: 'AccessDeniedException' }));
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    await expect(vault.seal(REQ, SECRET)).rejects.toMatchObject({ code: 'KMS_KEY_UNUSABLE', name: 'Broker.Upstream' });
  });

  it('marks KMS throttling retryable', async () => {
    kmsMock.on(GenerateDataKeyCommand).rejects(Object.assign(new Error('raw'), { name: 'ThrottlingException' }));
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    await expect(vault.seal(REQ, SECRET)).rejects.toMatchObject({ code: 'KMS_THROTTLED', name: 'Broker.Throttled', retryable: true });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['over 6144 bytes', Buffer.alloc(6145, 1)],
  ])('refuses a wrapped key that is %s without sending KMS a Decrypt its model rejects', async (_label, blob) => {
    expect(modelMember('kms', 'Decrypt', 'CiphertextBlob')).toMatchObject({ min: 1, max: 6144 });
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(REQ, { ...sealed, encryptedKey: blob.toString('base64') }));
    expect(kmsMock.commandCalls(DecryptCommand)).toHaveLength(0);
  });

  type KmsErrorClass = new (options: { $metadata: { httpStatusCode?: number }; message: string }) => KMSServiceException;
  const kmsError = (Type: KmsErrorClass, status: number): KMSServiceException =>
    Object.assign(new Type({ $metadata: { httpStatusCode: status }, message: 'raw' }), { $metadata: { httpStatusCode: status } });

  // Each error GenerateDataKey's model lists that the mapping distinguishes, at the status the model gives it.
  it.each([
    [KMSInternalException, 'KMS_UNAVAILABLE', 'Broker.Transient'],
    [DependencyTimeoutException, 'KMS_UNAVAILABLE', 'Broker.Transient'],
    [KeyUnavailableException, 'KMS_UNAVAILABLE', 'Broker.Transient'],
    [DisabledException, 'KMS_KEY_UNUSABLE', 'Broker.Upstream'],
    [NotFoundException, 'KMS_KEY_UNUSABLE', 'Broker.Upstream'],
    [KMSInvalidStateException, 'KMS_KEY_UNUSABLE', 'Broker.Upstream'],
  ] as [KmsErrorClass, string, string][])('GenerateDataKey %O maps to %s', async (Type, code, name) => {
    const error = kmsError(Type, 400);
    expect(modelErrors('kms', 'GenerateDataKey')).toContain(error.name);
    const status = modelErrorStatus('kms', error.name);
    kmsMock.on(GenerateDataKeyCommand).rejects(kmsError(Type, status));
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    await expect(vault.seal(REQ, SECRET)).rejects.toMatchObject({ code, name });
  });

  it('turns Decrypt IncorrectKeyException into VaultOpenError', async () => {
    expect(modelErrors('kms', 'Decrypt')).toContain('IncorrectKeyException');
    kmsMock.on(DecryptCommand).rejects(new IncorrectKeyException({ $metadata: {}, message: 'raw' }));
    const vault = createEnvelopeVault(kmsKeySource(kms, KEY_ARN));
    const sealed = await vault.seal(REQ, SECRET);
    await expectOpenFails(vault.open(REQ, sealed));
  });
});
