import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Secrets Manager client for the issuer IAM user's key (only when that mode is configured). */
export const secretsManagerClient = (): SecretsManagerClient => new SecretsManagerClient({});
