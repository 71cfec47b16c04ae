import { STSClient } from '@aws-sdk/client-sts';

/** STS client of the credential issuer (the issuer role's own credentials). */
export const stsClient = (): STSClient => new STSClient({});
