/**
 * Examples from the AWS EventBridge User Guide and from the README of aws/event-ruler (the engine
 * EventBridge runs). Each block names the page and section it came from. Doc sample events live in
 * test/fixtures/eventbridge-docs; variants that should NOT match are built from them here.
 */
import { describe, expect, it } from 'vitest';
import { matchesPattern, type EventPattern } from '../../shared/eventbridge/pattern';
import autoscalingNullAndEmpty from '../fixtures/eventbridge-docs/autoscaling-null-and-empty.json';
import ec2CCountObject from '../fixtures/eventbridge-docs/ec2-c-count-object.json';
import ec2StateArray from '../fixtures/eventbridge-docs/ec2-state-array.json';
import ec2Pending from '../fixtures/eventbridge-docs/ec2-state-change-pending.json';
import macieAlert from '../fixtures/eventbridge-docs/macie-alert.json';
import rulerEc2Running from '../fixtures/eventbridge-docs/ruler-ec2-running.json';

type Json = Record<string, unknown>;

/** A copy of `event` with `detail` fields replaced (undefined deletes the field). */
function withDetail(event: Json, changes: Record<string, unknown>): Json {
  const copy = structuredClone(event);
  const detail = copy.detail as Json;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete detail[key];
    else detail[key] = value;
  }
  return copy;
}

function withField(event: Json, key: string, value: unknown): Json {
  return { ...structuredClone(event), [key]: value };
}

const terminated: Json = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

describe('User Guide "Amazon EventBridge event patterns" (eb-event-patterns)', () => {
  // Intro: "The following event pattern processes all Amazon EC2 instance-termination events."
  const termination: EventPattern = {
    source: ['aws.ec2'],
    'detail-type': ['EC2 Instance State-change Notification'],
    detail: { state: ['terminated'] },
  };

  it('matches the sample EC2 termination event', () => {
    expect(matchesPattern(termination, terminated)).toBe(true);
  });

  it('does not match when the state differs, the source differs, or detail.state is missing', () => {
    expect(matchesPattern(termination, withDetail(terminated, { state: 'running' }))).toBe(false);
    expect(matchesPattern(termination, withField(terminated, 'source', 'aws.ec2x'))).toBe(false);
    expect(matchesPattern(termination, withDetail(terminated, { state: undefined }))).toBe(false);
  });

  it('compares strings character by character with no case folding', () => {
    // "For strings, EventBridge uses exact character-by-character matching without case-folding"
    expect(matchesPattern(termination, withDetail(terminated, { state: 'Terminated' }))).toBe(false);
    expect(matchesPattern(termination, withDetail(terminated, { state: 'terminated ' }))).toBe(false);
  });

  it('requires the same nesting: a top-level "state" does not satisfy detail.state', () => {
    const flat = { ...structuredClone(terminated), state: 'terminated', detail: {} };
    expect(matchesPattern(termination, flat)).toBe(false);
  });

  // Match Values: { "source": ["aws.ec2", "aws.fargate"] }
  it('matches any listed value ("Match Values")', () => {
    const pattern: EventPattern = { source: ['aws.ec2', 'aws.fargate'] };
    expect(matchesPattern(pattern, terminated)).toBe(true);
    expect(matchesPattern(pattern, withField(terminated, 'source', 'aws.fargate'))).toBe(true);
    expect(matchesPattern(pattern, withField(terminated, 'source', 'aws.ecs'))).toBe(false);
  });

  // Field matching: the Auto Scaling event with "responseElements": null
  it('matches null with [null] ("Field matching")', () => {
    const pattern: EventPattern = {
      source: ['aws.autoscaling'],
      'detail-type': ['EC2 Instance Launch Successful'],
      detail: { responseElements: [null] },
    };
    expect(matchesPattern(pattern, autoscalingNullAndEmpty)).toBe(true);
    expect(matchesPattern(pattern, withDetail(autoscalingNullAndEmpty, { responseElements: {} }))).toBe(false);
    expect(matchesPattern(pattern, withDetail(autoscalingNullAndEmpty, { responseElements: undefined }))).toBe(false);
  });

  // Value matching: Macie alert with risk-score 80 and trigger.risk 8
  it('matches numbers and nested objects ("Value matching")', () => {
    const pattern: EventPattern = {
      source: ['aws.macie'],
      'detail-type': ['Macie Alert'],
      detail: { 'risk-score': [80], trigger: { risk: [8] } },
    };
    expect(matchesPattern(pattern, macieAlert)).toBe(true);
    expect(matchesPattern(pattern, withDetail(macieAlert, { 'risk-score': 79 }))).toBe(false);
    expect(matchesPattern(pattern, withDetail(macieAlert, { 'risk-score': '80' }))).toBe(false);
    expect(
      matchesPattern(pattern, withDetail(macieAlert, { trigger: { ...macieAlert.detail.trigger, risk: 9 } })),
    ).toBe(false);
  });
});

describe('User Guide "Matching events on null values and empty strings"', () => {
  it('matches an empty string with [""]', () => {
    expect(matchesPattern({ detail: { eventVersion: [''] } }, autoscalingNullAndEmpty)).toBe(true);
  });

  it('matches a null value with [null]', () => {
    expect(matchesPattern({ detail: { responseElements: [null] } }, autoscalingNullAndEmpty)).toBe(true);
  });

  it('does not treat null and the empty string as interchangeable', () => {
    // "Null values and empty strings are not interchangeable in pattern matching."
    expect(matchesPattern({ detail: { responseElements: [''] } }, autoscalingNullAndEmpty)).toBe(false);
    expect(matchesPattern({ detail: { eventVersion: [null] } }, autoscalingNullAndEmpty)).toBe(false);
  });
});

describe('User Guide "Arrays in Amazon EventBridge event patterns"', () => {
  const pattern: EventPattern = {
    resources: [
      'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
      'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
    ],
  };

  it('matches when the pattern list and the event array intersect', () => {
    const event = {
      resources: [
        'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate',
        'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
      ],
    };
    expect(matchesPattern(pattern, event)).toBe(true);
  });

  it('does not match a disjoint or empty event array', () => {
    expect(matchesPattern(pattern, { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] })).toBe(
      false,
    );
    expect(matchesPattern(pattern, { resources: [] })).toBe(false);
  });
});

describe('User Guide "Content filtering in Amazon EventBridge event patterns"', () => {
  // Prefix matching: { "time": [ { "prefix": "2017-10-02" } ] }
  it('prefix matching on "time"', () => {
    const pattern: EventPattern = { time: [{ prefix: '2017-10-02' }] };
    expect(matchesPattern(pattern, { time: '2017-10-02T18:43:48Z' })).toBe(true);
    expect(matchesPattern(pattern, { time: '2017-10-03T18:43:48Z' })).toBe(false);
    expect(matchesPattern(pattern, { time: 'x2017-10-02' })).toBe(false);
  });

  // Anything-but matching: string, number, list of strings, list of numbers, prefix
  it('anything-but a single string', () => {
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': 'initializing' }] } };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'initializing' }))).toBe(false);
  });

  it('anything-but a single number', () => {
    const pattern: EventPattern = { detail: { 'x-limit': [{ 'anything-but': 123 }] } };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { 'x-limit': 123 }))).toBe(false);
  });

  it('anything-but a list of strings', () => {
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'stopped' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'overloaded' }))).toBe(false);
  });

  it('anything-but a list of numbers', () => {
    const pattern: EventPattern = { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { 'x-limit': 200 }))).toBe(false);
  });

  it('anything-but prefix "init"', () => {
    const pattern: EventPattern = { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'initializing' }))).toBe(false);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'init' }))).toBe(false);
  });

  // Numeric matching: only events for which all three conditions hold
  const numeric: EventPattern = {
    detail: {
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ numeric: ['=', 3.018e2] }],
    },
  };

  it('numeric matching holds for c-count 5, d-count 3, x-limit 301.8', () => {
    expect(matchesPattern(numeric, rulerEc2Running)).toBe(true);
  });

  it('numeric matching fails at each boundary', () => {
    expect(matchesPattern(numeric, withDetail(rulerEc2Running, { 'c-count': 0 }))).toBe(false);
    expect(matchesPattern(numeric, withDetail(rulerEc2Running, { 'c-count': 5.000001 }))).toBe(false);
    expect(matchesPattern(numeric, withDetail(rulerEc2Running, { 'd-count': 10 }))).toBe(false);
    expect(matchesPattern(numeric, withDetail(rulerEc2Running, { 'x-limit': 301.9 }))).toBe(false);
    expect(matchesPattern(numeric, withDetail(rulerEc2Running, { 'c-count': '5' }))).toBe(false);
  });

  // IP address matching: { "sourceIPAddress": [ { "cidr": "10.0.0.0/24" } ] }
  it('cidr 10.0.0.0/24 covers 10.0.0.0 to 10.0.0.255', () => {
    const pattern: EventPattern = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '10.0.0.0' } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '10.0.0.255' } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '10.0.1.0' } })).toBe(false);
    expect(matchesPattern(pattern, { detail: { sourceIPAddress: '9.255.255.255' } })).toBe(false);
  });

  // Exists matching, exists: true on detail.state
  it('exists: true matches the pending EC2 event and not the event without detail.state', () => {
    const pattern: EventPattern = { detail: { state: [{ exists: true }] } };
    expect(matchesPattern(pattern, ec2Pending)).toBe(true);
    expect(matchesPattern(pattern, ec2CCountObject)).toBe(false);
  });

  // Exists matching, exists: false on detail.c-count (earlier revision of the same page)
  it('exists: false matches an event without detail.c-count', () => {
    const pattern: EventPattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matchesPattern(pattern, ec2StateArray)).toBe(true);
  });

  it('exists: false also matches when c-count is an object, because it is not a leaf', () => {
    const pattern: EventPattern = { detail: { 'c-count': [{ exists: false }] } };
    expect(matchesPattern(pattern, ec2CCountObject)).toBe(true);
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(false);
  });

  // Complex example with multiple matching
  const complex: EventPattern = {
    time: [{ prefix: '2017-10-02' }],
    detail: {
      state: [{ 'anything-but': 'initializing' }],
      'c-count': [{ numeric: ['>', 0, '<=', 5] }],
      'd-count': [{ numeric: ['<', 10] }],
      'x-limit': [{ 'anything-but': [100, 200, 300] }],
    },
  };

  it('complex example matches the Ruler README event', () => {
    expect(matchesPattern(complex, rulerEc2Running)).toBe(true);
  });

  it('complex example fails when any single condition fails', () => {
    expect(matchesPattern(complex, withField(rulerEc2Running, 'time', '2017-10-03T00:00:00Z'))).toBe(false);
    expect(matchesPattern(complex, withDetail(rulerEc2Running, { state: 'initializing' }))).toBe(false);
    expect(matchesPattern(complex, withDetail(rulerEc2Running, { 'x-limit': 300 }))).toBe(false);
    expect(matchesPattern(complex, withDetail(rulerEc2Running, { 'd-count': undefined }))).toBe(false);
  });
});

describe('User Guide "Comparison operators" table (eb-create-pattern-operators)', () => {
  it('And: "Location": ["New York"], "Day": ["Monday"]', () => {
    const pattern: EventPattern = { Location: ['New York'], Day: ['Monday'] };
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Monday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Tuesday' })).toBe(false);
    expect(matchesPattern(pattern, { Location: 'New York' })).toBe(false);
  });

  it('Anything-but (begins with): Region is not in the US', () => {
    const pattern: EventPattern = { Region: [{ 'anything-but': { prefix: 'us-' } }] };
    expect(matchesPattern(pattern, { Region: 'eu-west-1' })).toBe(true);
    expect(matchesPattern(pattern, { Region: 'us-east-1' })).toBe(false);
  });

  it('Anything-but (ends with): FileName does not end with .png', () => {
    const pattern: EventPattern = { FileName: [{ 'anything-but': { suffix: '.png' } }] };
    expect(matchesPattern(pattern, { FileName: 'photo.jpg' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'photo.png' })).toBe(false);
    // Case matters: only the ignore-case forms fold case.
    expect(matchesPattern(pattern, { FileName: 'photo.PNG' })).toBe(true);
  });

  it('Anything-but (ignore case): state is not "initializing" in any casing', () => {
    const pattern: EventPattern = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
    expect(matchesPattern(pattern, { state: 'running' })).toBe(true);
    expect(matchesPattern(pattern, { state: 'INITIALIZING' })).toBe(false);
    expect(matchesPattern(pattern, { state: 'Initializing' })).toBe(false);
  });

  it('Anything-but using a wildcard: FilePath does not include /lib/', () => {
    const pattern: EventPattern = { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] };
    expect(matchesPattern(pattern, { FilePath: '/usr/bin/env' })).toBe(true);
    expect(matchesPattern(pattern, { FilePath: '/usr/lib/libc.so' })).toBe(false);
  });

  it('Begins with: Region is in the US', () => {
    const pattern: EventPattern = { Region: [{ prefix: 'us-' }] };
    expect(matchesPattern(pattern, { Region: 'us-west-2' })).toBe(true);
    expect(matchesPattern(pattern, { Region: 'US-west-2' })).toBe(false);
  });

  it('Begins with (ignore case): service starts with "eventb"', () => {
    const pattern: EventPattern = { service: [{ prefix: { 'equals-ignore-case': 'eventb' } }] };
    expect(matchesPattern(pattern, { service: 'EventBridge' })).toBe(true);
    expect(matchesPattern(pattern, { service: 'EVENTBRIDGE' })).toBe(true);
    expect(matchesPattern(pattern, { service: 'AmazonEventBridge' })).toBe(false);
  });

  it('Empty: LastName is empty', () => {
    const pattern: EventPattern = { LastName: [''] };
    expect(matchesPattern(pattern, { LastName: '' })).toBe(true);
    expect(matchesPattern(pattern, { LastName: ' ' })).toBe(false);
    expect(matchesPattern(pattern, {})).toBe(false);
  });

  it('Equals and Equals (ignore case): Name is "Alice"', () => {
    expect(matchesPattern({ Name: ['Alice'] }, { Name: 'Alice' })).toBe(true);
    expect(matchesPattern({ Name: ['Alice'] }, { Name: 'alice' })).toBe(false);
    expect(matchesPattern({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'ALICE' })).toBe(true);
    expect(matchesPattern({ Name: [{ 'equals-ignore-case': 'alice' }] }, { Name: 'Alicia' })).toBe(false);
  });

  it('Ends with and Ends with (ignore case)', () => {
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'a.png' })).toBe(true);
    expect(matchesPattern({ FileName: [{ suffix: '.png' }] }, { FileName: 'a.PNG' })).toBe(false);
    const ignoreCase: EventPattern = { service: [{ suffix: { 'equals-ignore-case': 'tbridge' } }] };
    expect(matchesPattern(ignoreCase, { service: 'EVENTBRIDGE' })).toBe(true);
    expect(matchesPattern(ignoreCase, { service: 'EventBridges' })).toBe(false);
  });

  it('Exists / Does not exist: ProductName', () => {
    expect(matchesPattern({ ProductName: [{ exists: true }] }, { ProductName: 'Widget' })).toBe(true);
    expect(matchesPattern({ ProductName: [{ exists: true }] }, { Product: 'Widget' })).toBe(false);
    expect(matchesPattern({ ProductName: [{ exists: false }] }, { Product: 'Widget' })).toBe(true);
    expect(matchesPattern({ ProductName: [{ exists: false }] }, { ProductName: 'Widget' })).toBe(false);
  });

  it('Not: Weather is anything but "Raining"', () => {
    const pattern: EventPattern = { Weather: [{ 'anything-but': ['Raining'] }] };
    expect(matchesPattern(pattern, { Weather: 'Sunny' })).toBe(true);
    expect(matchesPattern(pattern, { Weather: 'Raining' })).toBe(false);
  });

  it('Null: UserID is null', () => {
    expect(matchesPattern({ UserID: [null] }, { UserID: null })).toBe(true);
    expect(matchesPattern({ UserID: [null] }, { UserID: 'null' })).toBe(false);
    expect(matchesPattern({ UserID: [null] }, {})).toBe(false);
  });

  it('Numeric (equals) and Numeric (range): Price', () => {
    expect(matchesPattern({ Price: [{ numeric: ['=', 100] }] }, { Price: 100 })).toBe(true);
    expect(matchesPattern({ Price: [{ numeric: ['=', 100] }] }, { Price: 100.5 })).toBe(false);
    const range: EventPattern = { Price: [{ numeric: ['>', 10, '<=', 20] }] };
    expect(matchesPattern(range, { Price: 20 })).toBe(true);
    expect(matchesPattern(range, { Price: 10 })).toBe(false);
    expect(matchesPattern(range, { Price: 20.01 })).toBe(false);
  });

  it('Or: PaymentType is "Credit" or "Debit"', () => {
    const pattern: EventPattern = { PaymentType: ['Credit', 'Debit'] };
    expect(matchesPattern(pattern, { PaymentType: 'Debit' })).toBe(true);
    expect(matchesPattern(pattern, { PaymentType: 'Cash' })).toBe(false);
  });

  it('Or (multiple fields): Location is "New York", or Day is "Monday"', () => {
    const pattern: EventPattern = { $or: [{ Location: ['New York'] }, { Day: ['Monday'] }] };
    expect(matchesPattern(pattern, { Location: 'New York', Day: 'Sunday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Monday' })).toBe(true);
    expect(matchesPattern(pattern, { Location: 'Boston', Day: 'Sunday' })).toBe(false);
  });

  it('Wildcard: any .png file located within the folder "dir"', () => {
    const pattern: EventPattern = { FileName: [{ wildcard: 'dir/*.png' }] };
    expect(matchesPattern(pattern, { FileName: 'dir/photo.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'dir/sub/photo.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'dir/.png' })).toBe(true);
    expect(matchesPattern(pattern, { FileName: 'other/dir/photo.png' })).toBe(false);
    expect(matchesPattern(pattern, { FileName: 'dir/photo.png.bak' })).toBe(false);
  });
});

describe('aws/event-ruler README (the engine behind EventBridge)', () => {
  // "Ruler by Example" / "Simple matching"
  it('simple matching: resources array, detail-type and a list of states', () => {
    const pattern: EventPattern = {
      'detail-type': ['EC2 Instance State-change Notification'],
      resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
      detail: { state: ['initializing', 'running'] },
    };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'initializing' }))).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { state: 'stopped' }))).toBe(false);
    expect(matchesPattern(pattern, withField(rulerEc2Running, 'resources', ['arn:aws:ec2:other']))).toBe(false);
  });

  it('suffix and equals-ignore-case on "source"', () => {
    expect(matchesPattern({ source: [{ suffix: 'ec2' }] }, rulerEc2Running)).toBe(true);
    expect(matchesPattern({ source: [{ suffix: 'ec' }] }, rulerEc2Running)).toBe(false);
    expect(matchesPattern({ source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, rulerEc2Running)).toBe(true);
    expect(matchesPattern({ source: [{ 'equals-ignore-case': 'EC2' }] }, rulerEc2Running)).toBe(false);
  });

  it('wildcard "Simple*Service"', () => {
    const pattern: EventPattern = { source: [{ wildcard: 'Simple*Service' }] };
    expect(matchesPattern(pattern, { source: 'SimpleQueueService' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'SimpleService' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'SimpleQueueServices' })).toBe(false);
    expect(matchesPattern(pattern, { source: 'simpleQueueService' })).toBe(false);
  });

  it('complex example including cidr 10.0.0.0/8', () => {
    const pattern: EventPattern = {
      time: [{ prefix: '2017-10-02' }],
      detail: {
        state: [{ 'anything-but': 'initializing' }],
        'c-count': [{ numeric: ['>', 0, '<=', 5] }],
        'd-count': [{ numeric: ['<', 10] }],
        'x-limit': [{ 'anything-but': [100, 200, 300] }],
        'source-ip': [{ cidr: '10.0.0.0/8' }],
      },
    };
    expect(matchesPattern(pattern, rulerEc2Running)).toBe(true);
    expect(matchesPattern(pattern, withDetail(rulerEc2Running, { 'source-ip': '11.0.0.33' }))).toBe(false);
  });

  // "The $or Primitive" examples
  const cloudwatch = { source: 'aws.cloudwatch', metricName: 'NetworkIn', namespace: 'AWS/EC2' };

  it('normal "Or": source && (metricName || namespace)', () => {
    const pattern: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
    };
    expect(matchesPattern(pattern, cloudwatch)).toBe(true);
    expect(matchesPattern(pattern, { ...cloudwatch, namespace: 'AWS/S3' })).toBe(false);
    expect(matchesPattern(pattern, { ...cloudwatch, source: 'aws.ec2' })).toBe(false);
  });

  it('parallel "Or" at the top level and inside detail', () => {
    const pattern: EventPattern = {
      $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }],
      detail: {
        $or: [{ source: ['aws.cloudwatch'] }, { 'detail-type': ['CloudWatch Alarm State Change'] }],
      },
    };
    const event = { metricName: 'ReadLatency', detail: { 'detail-type': 'CloudWatch Alarm State Change' } };
    expect(matchesPattern(pattern, event)).toBe(true);
    expect(matchesPattern(pattern, { ...event, detail: { 'detail-type': 'Other' } })).toBe(false);
    expect(matchesPattern(pattern, { ...event, metricName: 'DiskIO' })).toBe(false);
  });

  it('nested "Or" and "And": source && (metricName || (metricType && namespace && (metricId || spaceId)) || scope)', () => {
    const pattern: EventPattern = {
      source: ['aws.cloudwatch'],
      $or: [
        { metricName: ['CPUUtilization', 'ReadLatency'] },
        {
          metricType: ['MetricType'],
          namespace: ['AWS/EC2', 'AWS/ES'],
          $or: [{ metricId: [1234] }, { spaceId: [1000] }],
        },
        { scope: ['Service'] },
      ],
    };
    const base = { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/ES' };
    expect(matchesPattern(pattern, { ...base, spaceId: 1000 })).toBe(true);
    expect(matchesPattern(pattern, { ...base, metricId: 1234 })).toBe(true);
    expect(matchesPattern(pattern, { ...base, metricId: 1235 })).toBe(false);
    expect(matchesPattern(pattern, { ...base, namespace: 'AWS/S3', spaceId: 1000 })).toBe(false);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch', scope: 'Service' })).toBe(true);
    expect(matchesPattern(pattern, { source: 'aws.cloudwatch' })).toBe(false);
  });

  // "JSON Array Matching"
  const employees = {
    employees: [
      { firstName: 'John', lastName: 'Doe' },
      { firstName: 'Anna', lastName: 'Smith' },
      { firstName: 'Peter', lastName: 'Jones' },
    ],
  };

  it('crushes arrays of objects: employees.firstName "Anna" matches', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'] } }, employees)).toBe(true);
  });

  it('is array-consistent: Anna/Jones come from different elements, so no match', () => {
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Jones'] } }, employees)).toBe(false);
    expect(matchesPattern({ employees: { firstName: ['Anna'], lastName: ['Smith'] } }, employees)).toBe(true);
  });

  it('crushes multi-level arrays too', () => {
    const nested = {
      employees: [
        [
          { firstName: 'John', lastName: 'Doe' },
          { firstName: 'Anna', lastName: 'Smith' },
        ],
        [{ firstName: 'Peter', lastName: 'Jones' }],
      ],
    };
    expect(matchesPattern({ employees: { firstName: ['Peter'] } }, nested)).toBe(true);
    expect(matchesPattern({ employees: { firstName: ['Peter'], lastName: ['Doe'] } }, nested)).toBe(false);
  });
});
