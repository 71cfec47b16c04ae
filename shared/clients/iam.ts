import { IAMClient } from '@aws-sdk/client-iam';

/** IAM client for one signing region and credentials (the session-deny adapter keeps one per role to act as). */
export const iamClient = (config: ConstructorParameters<typeof IAMClient>[0] & object): IAMClient => new IAMClient(config);
