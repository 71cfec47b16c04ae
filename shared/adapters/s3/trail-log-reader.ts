import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** Reads CloudTrail log files from the trail's bucket. */
export interface TrailLogReader {
  read(bucket: string, key: string): Promise<Uint8Array>;
}

/** s3:GetObject of one log file, as bytes (CloudTrail writes gzip JSON). */
export function createS3TrailLogReader(s3: S3Client): TrailLogReader {
  return {
    async read(bucket, key) {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return response.Body.transformToByteArray();
    },
  };
}
