import { SFNClient } from '@aws-sdk/client-sfn';

/** Step Functions client (start, task callbacks) of the functions that drive the workflow. */
export const sfnClient = (): SFNClient => new SFNClient({});
