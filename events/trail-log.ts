import { gzipSync } from 'node:zlib';
import { loadEvent } from './load';

type Json = Record<string, any>;

/** The CloudTrail record (an EventBridge fixture's `detail`) of `events/cloudtrail/<name>`. */
export const fixtureRecord = (name: string): Json => loadEvent<{ detail: Json }>(`cloudtrail/${name}`).detail;

/** Wraps a CloudTrail record in the EventBridge envelope the real-time rules deliver. */
export function asEventBridgeEvent(record: Json): Json {
  const sts = record['eventSource'] === 'sts.amazonaws.com';
  return {
    version: '0',
    id: `eb-${String(record['eventID'])}`,
    'detail-type': sts ? 'AWS API Call via CloudTrail' : 'AWS Console Sign In via CloudTrail',
    source: sts ? 'aws.sts' : 'aws.signin',
    account: record['recipientAccountId'] ?? '111111111111',
    time: record['eventTime'],
    region: record['awsRegion'],
    resources: [],
    detail: record,
  };
}

export interface GeneratedTrailLog {
  /** The log file's JSON text, `{"Records":[...]}`. */
  text: string;
  /** How many records it holds. */
  total: number;
  /** The watched-role uses among them (each alarms, none is a copy of another). */
  watched: Json[];
}

/**
 * A synthetic CloudTrail log file: `total` records of which `watched` are AssumeRole calls of the
 * example catalogue's emergency role (TemporaryAdminRole, by IAM user mallory, each its own
 * event), spread evenly; the rest a mix of unrelated calls (about 1 KB each, like real records),
 * AssumeRole of an unwatched role and failed AssumeRole of the watched role. Deterministic.
 * Built as text: a 100,000-record file is generated in well under a second.
 */
export function generateTrailLog(total: number, watched: number, at = '2024-11-21T11:00:00Z'): GeneratedTrailLog {
  const human = fixtureRecord('assume-role-by-human.json');
  const templates = [
    JSON.stringify(unrelatedRecord('@ID@', '@TIME@', 0)),
    JSON.stringify(unrelatedRecord('@ID@', '@TIME@', 1)),
    JSON.stringify({ ...fixtureRecord('assume-role-other-role.json'), eventID: '@ID@', eventTime: '@TIME@' }),
    JSON.stringify({ ...fixtureRecord('assume-role-failed.json'), eventID: '@ID@', eventTime: '@TIME@' }),
  ];
  const base = Date.parse(at);
  const parts: string[] = [];
  const watchedRecords: Json[] = [];
  const every = Math.floor(total / Math.max(1, watched));
  for (let i = 0; i < total; i++) {
    const time = new Date(base + i * 10).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const eventID = `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    if (watchedRecords.length < watched && i % every === 0) {
      const record = { ...human, eventID, eventTime: time, requestParameters: { ...human['requestParameters'], roleSessionName: `mallory-${i}` } };
      parts.push(JSON.stringify(record));
      watchedRecords.push(record);
      continue;
    }
    const template = templates[i % 10 === 1 ? 2 : i % 10 === 2 ? 3 : i % 2]!;
    parts.push(template.replace('@ID@', eventID).replace('@TIME@', time));
  }
  return { text: `{"Records":[${parts.join(',')}]}`, total, watched: watchedRecords };
}

function unrelatedRecord(eventID: string, eventTime: string, i: number): Json {
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: 'AROA6EXAMPLEAPPROLE01:i-0abc',
      arn: 'arn:aws:sts::111111111111:assumed-role/AppServerRole/i-0abc',
      accountId: '111111111111',
      accessKeyId: 'ASIA6EXAMPLEAPPKEY01',
      sessionContext: {
        sessionIssuer: { type: 'Role', principalId: 'AROA6EXAMPLEAPPROLE01', arn: 'arn:aws:iam::111111111111:role/AppServerRole', accountId: '111111111111', userName: 'AppServerRole' },
        attributes: { creationDate: '2024-11-21T10:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime,
    eventSource: i % 2 === 0 ? 'ec2.amazonaws.com' : 's3.amazonaws.com',
    eventName: i % 2 === 0 ? 'DescribeInstances' : 'GetBucketLocation',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.77',
    userAgent: 'aws-sdk-js/3.699.0 ua/2.1 os/linux lang/js md/nodejs#20.18.0 api/ec2#3.699.0',
    requestParameters: i % 2 === 0 ? { instancesSet: {}, filterSet: {} } : { bucketName: 'data-111111111111', location: '' },
    responseElements: null,
    requestID: `req-${i}`,
    eventID,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111111111111',
    eventCategory: 'Management',
    tlsDetails: { tlsVersion: 'TLSv1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', clientProvidedHostHeader: 'ec2.eu-west-1.amazonaws.com' },
  };
}

/** A log file's bytes as CloudTrail delivers it: gzip of `{"Records":[...]}` (records, or the file's text). */
export const trailLogFileBytes = (records: Json[] | string, gzip = true): Buffer => {
  const json = Buffer.from(typeof records === 'string' ? records : JSON.stringify({ Records: records }));
  return gzip ? gzipSync(json, { level: 1 }) : json;
};
