import { SESv2Client } from '@aws-sdk/client-sesv2';

/** Amazon SES (API v2) client of the functions that mail people (approvers, requesters) when mail goes through SES. */
export const sesv2Client = (): SESv2Client => new SESv2Client({});
