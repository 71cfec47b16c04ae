/**
 * Patterns shaped like the broker's alarm rules on privileged role use: CloudTrail AssumeRole
 * calls delivered by EventBridge. The sample event is ours (test/fixtures/eventbridge-docs/
 * cloudtrail-assume-role.json), shaped like a CloudTrail record under "AWS API Call via CloudTrail".
 */
import { describe, expect, it } from 'vitest';
import { matchesPattern, validatePattern, type EventPattern } from '../../shared/eventbridge/pattern';
import assumeRole from '../fixtures/eventbridge-docs/cloudtrail-assume-role.json';

type Json = Record<string, unknown>;

const WATCHED = [
  'arn:aws:iam::111122223333:role/BreakGlassAdmin',
  'arn:aws:iam::111122223333:role/ProductionAdmin',
];

const privilegedAssumeRole: EventPattern = {
  source: ['aws.sts'],
  'detail-type': ['AWS API Call via CloudTrail'],
  detail: {
    eventSource: ['sts.amazonaws.com'],
    eventName: ['AssumeRole'],
    requestParameters: { roleArn: WATCHED },
    errorCode: [{ exists: false }],
  },
};

function variant(change: (event: Json & { detail: Json }) => void): Json {
  const copy = structuredClone(assumeRole) as Json & { detail: Json };
  change(copy);
  return copy;
}

const failed = variant((e) => {
  e.detail.errorCode = 'AccessDenied';
  e.detail.errorMessage = 'User is not authorized to perform: sts:AssumeRole';
  e.detail.responseElements = null;
});

describe('successful AssumeRole of a watched role', () => {
  it('is a valid pattern', () => {
    expect(validatePattern(privilegedAssumeRole)).toBe(privilegedAssumeRole);
  });

  it('matches the sample event', () => {
    expect(matchesPattern(privilegedAssumeRole, assumeRole)).toBe(true);
  });

  it('matches the second watched role too', () => {
    const other = variant((e) => {
      (e.detail.requestParameters as Json).roleArn = WATCHED[1];
    });
    expect(matchesPattern(privilegedAssumeRole, other)).toBe(true);
  });

  it('does not match a failed call, which carries errorCode', () => {
    expect(matchesPattern(privilegedAssumeRole, failed)).toBe(false);
  });

  it('does not match an errorCode that is present but null: exists is about presence', () => {
    const nullError = variant((e) => {
      e.detail.errorCode = null;
    });
    expect(matchesPattern(privilegedAssumeRole, nullError)).toBe(false);
  });

  it('does not match an unwatched role, a differently cased ARN or an ARN with a suffix', () => {
    for (const roleArn of [
      'arn:aws:iam::111122223333:role/ReadOnly',
      'arn:aws:iam::111122223333:role/breakglassadmin',
      'arn:aws:iam::111122223333:role/BreakGlassAdmin2',
    ]) {
      const event = variant((e) => {
        (e.detail.requestParameters as Json).roleArn = roleArn;
      });
      expect(matchesPattern(privilegedAssumeRole, event)).toBe(false);
    }
  });

  it('does not match other STS calls, other sources or other detail types', () => {
    const saml = variant((e) => {
      e.detail.eventName = 'AssumeRoleWithSAML';
    });
    const iam = variant((e) => {
      e.source = 'aws.iam';
    });
    const serviceEvent = variant((e) => {
      e['detail-type'] = 'AWS Service Event via CloudTrail';
    });
    expect(matchesPattern(privilegedAssumeRole, saml)).toBe(false);
    expect(matchesPattern(privilegedAssumeRole, iam)).toBe(false);
    expect(matchesPattern(privilegedAssumeRole, serviceEvent)).toBe(false);
  });

  it('does not match when requestParameters is missing or null', () => {
    const none = variant((e) => {
      delete e.detail.requestParameters;
    });
    const nulled = variant((e) => {
      e.detail.requestParameters = null;
    });
    expect(matchesPattern(privilegedAssumeRole, none)).toBe(false);
    expect(matchesPattern(privilegedAssumeRole, nulled)).toBe(false);
  });
});

describe('variants an alarm rule might use', () => {
  it('a list of event names covers the federated AssumeRole calls', () => {
    const pattern: EventPattern = {
      source: ['aws.sts'],
      detail: { eventName: ['AssumeRole', 'AssumeRoleWithSAML', 'AssumeRoleWithWebIdentity'] },
    };
    const saml = variant((e) => {
      e.detail.eventName = 'AssumeRoleWithSAML';
    });
    const token = variant((e) => {
      e.detail.eventName = 'GetSessionToken';
    });
    expect(matchesPattern(pattern, saml)).toBe(true);
    expect(matchesPattern(pattern, token)).toBe(false);
  });

  it('a wildcard ARN watches a role name in every account', () => {
    const pattern: EventPattern = {
      detail: { requestParameters: { roleArn: [{ wildcard: 'arn:aws:iam::*:role/BreakGlass*' }] } },
    };
    const otherAccount = variant((e) => {
      (e.detail.requestParameters as Json).roleArn = 'arn:aws:iam::444455556666:role/BreakGlassAuditor';
    });
    const otherRole = variant((e) => {
      (e.detail.requestParameters as Json).roleArn = 'arn:aws:iam::444455556666:role/Developer';
    });
    expect(matchesPattern(pattern, assumeRole)).toBe(true);
    expect(matchesPattern(pattern, otherAccount)).toBe(true);
    expect(matchesPattern(pattern, otherRole)).toBe(false);
  });

  it('detail.resources (an array of objects) is matched through its elements', () => {
    const pattern: EventPattern = {
      detail: { resources: { type: ['AWS::IAM::Role'], ARN: [WATCHED[0] ?? ''] } },
    };
    expect(matchesPattern(pattern, assumeRole)).toBe(true);
    const mixed = variant((e) => {
      e.detail.resources = [
        { type: 'AWS::IAM::Role', ARN: 'arn:aws:iam::111122223333:role/ReadOnly' },
        { type: 'AWS::STS::Session', ARN: WATCHED[0] },
      ];
    });
    expect(matchesPattern(pattern, mixed)).toBe(false);
  });

  it('anything-but on a nested field skips events where the field is absent', () => {
    // Catch role use not brokered by the issuer role. An IAM user has no sessionContext, so
    // anything-but alone misses it; $or with exists:false closes that gap.
    const naive: EventPattern = {
      detail: {
        userIdentity: { sessionContext: { sessionIssuer: { userName: [{ 'anything-but': 'AccessBrokerIssuer' }] } } },
      },
    };
    const closed: EventPattern = {
      detail: {
        userIdentity: {
          $or: [
            { sessionContext: { sessionIssuer: { userName: [{ 'anything-but': 'AccessBrokerIssuer' }] } } },
            { sessionContext: { sessionIssuer: { userName: [{ exists: false }] } } },
          ],
        },
      },
    };
    const iamUser = variant((e) => {
      e.detail.userIdentity = { type: 'IAMUser', arn: 'arn:aws:iam::111122223333:user/mallory', userName: 'mallory' };
    });
    const otherIssuer = variant((e) => {
      const identity = e.detail.userIdentity as { sessionContext: { sessionIssuer: Json } };
      identity.sessionContext.sessionIssuer.userName = 'SomeOtherRole';
    });

    expect(matchesPattern(naive, assumeRole)).toBe(false);
    expect(matchesPattern(naive, otherIssuer)).toBe(true);
    expect(matchesPattern(naive, iamUser)).toBe(false);

    expect(matchesPattern(closed, assumeRole)).toBe(false);
    expect(matchesPattern(closed, otherIssuer)).toBe(true);
    expect(matchesPattern(closed, iamUser)).toBe(true);
  });

  it('cidr on sourceIPAddress separates office traffic from the rest', () => {
    const outsideOffice: EventPattern = {
      source: ['aws.sts'],
      detail: { eventName: ['AssumeRole'], sourceIPAddress: [{ 'anything-but': { prefix: '198.51.100.' } }] },
    };
    const fromOffice: EventPattern = { detail: { sourceIPAddress: [{ cidr: '198.51.100.0/24' }] } };
    const office = variant((e) => {
      e.detail.sourceIPAddress = '198.51.100.7';
    });
    // AWS services call on your behalf with a hostname, not an address.
    const service = variant((e) => {
      e.detail.sourceIPAddress = 'ec2.amazonaws.com';
    });
    expect(matchesPattern(outsideOffice, assumeRole)).toBe(true);
    expect(matchesPattern(outsideOffice, office)).toBe(false);
    expect(matchesPattern(fromOffice, office)).toBe(true);
    expect(matchesPattern(fromOffice, assumeRole)).toBe(false);
    expect(matchesPattern(fromOffice, service)).toBe(false);
  });
});
