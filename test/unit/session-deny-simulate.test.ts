/**
 * Proves with an IAM policy simulator what the ended-sessions deny does on a target role: the
 * ended session is denied an action its grant allowed, every other session of the same role is
 * not, including sessions whose names merely start or end with the ended id.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { basePolicyDocument } from '../../shared/catalogue/base-role-policy';
import { newRequestId } from '../../shared/domain/ids';
import { compileSessionPolicy } from '../../shared/domain/session-policy';
import {
  addEndedSessions,
  EMPTY_SESSION_DENY,
  renderSessionDenyPolicy,
  SESSION_DENY_POLICY_NAME,
} from '../../shared/domain/session-deny';

const ACCOUNT = '111111111111';
const ROLE_NAME = 'BrokerReadOnly';
/** The role's unique id, as IAM puts it in front of the session name in aws:userid. */
const ROLE_ID = 'AROAEXAMPLEROLEID1234';
const NOW = new Date('2026-11-29T00:10:00Z');
const DB = `arn:aws:rds:us-east-1:${ACCOUNT}:db:orders`;

const ENDED = newRequestId(new Date('2026-11-29T00:00:00Z'), Buffer.alloc(10, 7));
const CONCURRENT = newRequestId(new Date('2026-11-29T00:01:00Z'), Buffer.alloc(10, 9));

const denyPolicy = JSON.parse(
  renderSessionDenyPolicy(addEndedSessions(EMPTY_SESSION_DENY, [{ requestId: ENDED, until: new Date('2026-11-29T01:00:00Z') }], NOW))!,
);

type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The decision for a call by session `sessionName` of the role, with or without the deny attached. */
async function decide(sessionName: string, action: string, resource: string, withDeny = true): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/${sessionName}`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: { 'aws:userid': `${ROLE_ID}:${sessionName}` },
      },
      identityPolicies: [
        { name: 'BrokerReadOnlyBase', policy: basePolicyDocument() },
        ...(withDeny ? [{ name: SESSION_DENY_POLICY_NAME, policy: denyPolicy }] : []),
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      sessionPolicy: JSON.parse(compileSessionPolicy(['ec2', 'databases'])),
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(`simulator rejected ${action}: ${JSON.stringify(result.errors)}`);
  return result.overallResult as Decision;
}

describe('the ended-sessions deny, simulated', () => {
  it.each([
    ['ec2:DescribeInstances', '*'],
    ['rds:DescribeDBInstances', DB],
  ])('%s: allowed to the grant before, explicitly denied to the ended session after', async (action, resource) => {
    expect(await decide(ENDED, action, resource, false)).toBe('Allowed');
    expect(await decide(ENDED, action, resource)).toBe('ExplicitlyDenied');
  });

  it('leaves a concurrent grant on the same role allowed', async () => {
    expect(await decide(CONCURRENT, 'ec2:DescribeInstances', '*')).toBe('Allowed');
    expect(await decide(CONCURRENT, 'rds:DescribeDBInstances', DB)).toBe('Allowed');
  });

  it('denies the ended session whatever the role id is (the pattern is "*:<id>")', async () => {
    const result = await runSimulation(
      {
        request: {
          principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/${ENDED}`,
          action: 'ec2:DescribeInstances',
          resource: { resource: '*', accountId: ACCOUNT },
          contextVariables: { 'aws:userid': `AROAANOTHERROLEID9876:${ENDED}` },
        },
        identityPolicies: [{ name: SESSION_DENY_POLICY_NAME, policy: denyPolicy }, { name: 'Base', policy: basePolicyDocument() }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    expect(result.resultType === 'error' ? result.errors : result.overallResult).toBe('ExplicitlyDenied');
  });

  // Request ids are fixed-length ULIDs (26 characters). A session name that merely contains the
  // ended id (as a prefix or a suffix of something longer) does not end with ":<id>", so it is
  // not denied: role ids and session names never contain ":" (session names are [\w+=,.@-]*).
  it.each([
    ['the ended id plus a suffix', `${ENDED}X`],
    ['a prefix then the ended id', `X${ENDED}`],
    ['another id ending like the ended one', `${CONCURRENT.slice(0, 10)}${ENDED.slice(10, 25)}Z`],
    ['the ended id without its last character', ENDED.slice(0, 25)],
    ['the ended id in lower case (StringLike is case-sensitive)', ENDED.toLowerCase()],
  ])('does not deny a session named with %s', async (_label, sessionName) => {
    expect(sessionName).not.toBe(ENDED);
    expect(await decide(sessionName, 'ec2:DescribeInstances', '*')).toBe('Allowed');
  });

  it('uses ids of the fixed ULID shape', () => {
    for (const id of [ENDED, CONCURRENT]) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(ENDED).not.toBe(CONCURRENT);
  });
});
