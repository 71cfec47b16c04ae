import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import type { UpstreamError } from '../../domain/errors';
import { awsErrorCode, BrokerErrorName, isThrottlingError, isTransientError, upstreamError } from '../aws-errors';

/**
 * The IAM user access key that `user`-mode targets are assumed with (seed 000's
 * two-layer model): assuming from a user's long-term key is not role chaining, so
 * sessions may last up to the role's MaxSessionDuration (12 h) instead of 1 h.
 */
export const issuerUserKeySchema = z.object({
  // Long-term user keys start AKIA; an ASIA key would need a session token and expire.
  accessKeyId: z.string().regex(/^AKIA[A-Z0-9]{12,124}$/),
  secretAccessKey: z.string().min(16).max(256),
});
export type IssuerUserKey = z.infer<typeof issuerUserKeySchema>;

export interface IssuerUserKeySource {
  secretsManager: SecretsManagerClient;
  /** Secret name or ARN; its SecretString is JSON {"accessKeyId": "...", "secretAccessKey": "..."}. */
  secretId: string;
}

/** Reads and validates the key. Errors name the secret and the expected shape, never a value. */
export async function readIssuerUserKey(source: IssuerUserKeySource): Promise<IssuerUserKey> {
  let secretString: string | undefined;
  try {
    const out = await source.secretsManager.send(new GetSecretValueCommand({ SecretId: source.secretId }));
    secretString = out.SecretString;
  } catch (error) {
    throw mapSecretError(error, source.secretId);
  }
  const invalid = upstreamError(
    'ISSUER_SECRET_INVALID',
    `Secret ${source.secretId} must hold JSON {"accessKeyId": "AKIA...", "secretAccessKey": "..."} for the issuer IAM user`,
    BrokerErrorName.UPSTREAM,
  );
  if (secretString === undefined) throw invalid;
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw invalid;
  }
  const parsed = issuerUserKeySchema.safeParse(json);
  if (!parsed.success) throw invalid;
  return parsed.data;
}

function mapSecretError(error: unknown, secretId: string): UpstreamError {
  if (isThrottlingError(error)) {
    return upstreamError('ISSUER_SECRET_THROTTLED', 'Secrets Manager throttled reading the issuer key; retry', BrokerErrorName.THROTTLED);
  }
  if (isTransientError(error)) {
    return upstreamError('ISSUER_SECRET_UNAVAILABLE', 'Secrets Manager was unavailable; retry', BrokerErrorName.TRANSIENT);
  }
  return upstreamError(
    'ISSUER_SECRET_UNREADABLE',
    `The broker could not read secret ${secretId} (${awsErrorCode(error)}): check that it exists and that the broker may call secretsmanager:GetSecretValue on it`,
    BrokerErrorName.UPSTREAM,
  );
}
