import { S3Client } from '@aws-sdk/client-s3';

/** S3 client of the function that reads the trail's log files. */
export const s3Client = (): S3Client => new S3Client({});
