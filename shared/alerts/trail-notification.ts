import * as z from 'zod/mini';
import '../zod-english';

/** One delivered log file: where it is, and the key as S3 stores it (URL-decoded). */
export interface TrailObject {
  bucket: string;
  key: string;
}

const s3NotificationSchema = z.object({
  Records: z.array(
    z.looseObject({
      eventSource: z.literal('aws:s3'),
      eventName: z.string().check(z.startsWith('ObjectCreated:')),
      s3: z.looseObject({
        bucket: z.looseObject({ name: z.string().check(z.minLength(1)) }),
        object: z.looseObject({ key: z.string().check(z.minLength(1)) }),
      }),
    }),
  ),
});

const objectCreatedSchema = z.looseObject({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.looseObject({
    bucket: z.looseObject({ name: z.string().check(z.minLength(1)) }),
    object: z.looseObject({ key: z.string().check(z.minLength(1)) }),
  }),
});

/**
 * The log files an invocation names: an S3 event notification (`Records[].s3`, keys URL-encoded
 * with `+` for spaces) or an EventBridge "Object Created" event (keys as stored). Undefined when
 * the event is neither.
 */
export function trailObjectsOf(event: unknown): TrailObject[] | undefined {
  const notification = s3NotificationSchema.safeParse(event);
  if (notification.success) {
    return notification.data.Records.map((r) => ({
      bucket: r.s3.bucket.name,
      key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')),
    }));
  }
  const created = objectCreatedSchema.safeParse(event);
  if (created.success) return [{ bucket: created.data.detail.bucket.name, key: created.data.detail.object.key }];
  return undefined;
}

/** CloudTrail writes log files as `.json.gz`; digests and other objects in the bucket are skipped. */
export const isTrailLogKey = (key: string): boolean => /\/CloudTrail\/[^/]+\/\d{4}\/\d{2}\/\d{2}\/[^/]+\.json\.gz$/.test(key);
