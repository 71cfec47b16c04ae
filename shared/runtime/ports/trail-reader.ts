import { createS3TrailLogReader, type TrailLogReader } from '../../adapters/s3/trail-log-reader';
import { s3Client } from '../../clients/s3';

/** Reads delivered CloudTrail log files from the trail bucket. */
export function trailReaderPort(): TrailLogReader {
  return createS3TrailLogReader(s3Client());
}
