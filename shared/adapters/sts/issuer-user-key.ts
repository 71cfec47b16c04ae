import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import * as z from 'zod/mini';
import '../../zod-english';
import { secretsManagerClient } from '../../clients/secrets';
import type { UpstreamError } from '../../domain/errors';
import { awsErrorCode, BrokerErrorName, isThrottlingError, isTransientError, upstreamError } from '../aws-errors';

/**
 * The IAM user access key that `user`-mode targets are assumed with (seed 000's
 * two-layer model): assuming from a user's long-term key is not role chaining, so
 * sessions may last up to the role's MaxSessionDuration (12 h) instead of 1 h.
 */
export const issuerUserKeySchema = z.object({
  // Long-term user keys start AKIA; an ASIA key would need a session token and expire.
  accessKeyId: z.string().check(z.regex(/^AKIA[A-Z0-9]{12,124}$/)),
  secretAccessKey: z.string().check(z.minLength(16), z.maxLength(256)),
});
export type IssuerUserKey = z.infer<typeof issuerUserKeySchema>;

/**
 * How long a read key is reused before Secrets Manager is asked again: after a rotation the
 * broker uses the new key within this time (the old one must stay active that long).
 */
export const ISSUER_KEY_MAX_AGE_SECONDS = 300;

/** The part of Powertools' SecretsProvider the broker uses (injectable for tests). */
export type SecretReader = Pick<SecretsProvider, 'get'>;

export interface IssuerUserKeySource {
  /** Secret name or ARN; its SecretString is JSON {"accessKeyId": "...", "secretAccessKey": "..."}. */
  secretId: string;
  /** Powertools Parameters' SecretsProvider (caches each value for maxAge); default: one per process. */
  provider?: SecretReader;
  /** Default ISSUER_KEY_MAX_AGE_SECONDS. */
  maxAgeSeconds?: number;
}

let processProvider: SecretsProvider | undefined;

/**
 * Reads and validates the key through Powertools Parameters: cached for `maxAgeSeconds`, then read
 * again, so a rotated key is picked up without a redeploy; a failed read is not cached. Errors
 * name the secret and the expected shape, never a value.
 */
export async function readIssuerUserKey(source: IssuerUserKeySource): Promise<IssuerUserKey> {
  const provider = source.provider ?? (processProvider ??= new SecretsProvider({ awsSdkV3Client: secretsManagerClient() }));
  let secretString: unknown;
  try {
    secretString = await provider.get(source.secretId, { maxAge: source.maxAgeSeconds ?? ISSUER_KEY_MAX_AGE_SECONDS });
  } catch (error) {
    // Powertools wraps the SDK's error (GetParameterError); its cause is the SDK's own.
    throw mapSecretError(error instanceof Error && error.cause !== undefined ? error.cause : error, source.secretId);
  }
  const invalid = upstreamError(
    'ISSUER_SECRET_INVALID',
    `Secret ${source.secretId} must hold JSON {"accessKeyId": "AKIA...", "secretAccessKey": "..."} for the issuer IAM user`,
    BrokerErrorName.UPSTREAM,
  );
  if (typeof secretString !== 'string') throw invalid;
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
