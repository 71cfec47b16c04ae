import { KMSClient } from '@aws-sdk/client-kms';

/** KMS client of the credential vault (data keys bound to a request id). */
export const kmsClient = (): KMSClient => new KMSClient({});
