import { SNSClient } from '@aws-sdk/client-sns';

/** SNS client of the functions that publish emails or alarms. */
export const snsClient = (): SNSClient => new SNSClient({});
