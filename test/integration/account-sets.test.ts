/**
 * Catalogue additions end to end in local mode: a target over an account set with a custom,
 * resource-scoped service. The request names its account (400 with the allowed list otherwise),
 * carries its compiled session policy, the approval email lists the actions per service, the
 * grant issues for that account's role only, and a human assuming the role in another account of
 * the set raises an out-of-band alarm.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvent } from '../../events/load';
import type { LocalStsStandin } from '../../local/sts-standin';
import { startTestBroker, type TestBroker } from '../helpers/broker';

type Json = Record<string, any>;

const REQUEST = { target: 'team-readonly', services: ['s3-data-read', 'ec2'], duration: '1h', reason: 'Checking the nightly export of team data' };
const pathOf = (link: string) => new URL(link).pathname;

describe('account-set target with a custom service, through local mode', () => {
  let t: TestBroker;
  beforeAll(async () => {
    t = await startTestBroker();
  }, 30_000);
  afterAll(async () => {
    await t?.broker.close();
  });

  it('GET /catalogue shows the target\'s accounts and each service\'s actions and resources', async () => {
    const res = await t.call('GET', '/catalogue', { as: 'alice' });
    expect(res.status, res.text).toBe(200);
    const team = res.body.targets.find((x: Json) => x.id === 'team-readonly');
    expect(team).toMatchObject({ accounts: ['333333333333', '444444444444'], roleArn: 'arn:aws:iam::${account}:role/TeamReadOnly' });
    expect(team.account).toBeUndefined();
    expect(res.body.services.find((s: Json) => s.key === 's3-data-read')).toEqual({
      key: 's3-data-read',
      name: 'S3 data buckets (read)',
      description: "Read the objects of this account's data bucket.",
      actions: ['s3:GetObject', 's3:ListBucket'],
      resources: ['arn:aws:s3:::data-${account}', 'arn:aws:s3:::data-${account}/*'],
    });
    expect(res.body.services.find((s: Json) => s.key === 'ec2')).toMatchObject({ actions: ['ec2:Describe*'], resources: ['*'] });
  });

  it('POST /requests without an account, or with one outside the set, is a 400 naming the allowed accounts', async () => {
    const missing = await t.call('POST', '/requests', { as: 'alice', json: REQUEST });
    expect(missing.status, missing.text).toBe(400);
    expect(missing.body.error.details).toContainEqual({
      field: 'account',
      rule: 'required',
      message: 'team-readonly spans several accounts; name one of: 333333333333, 444444444444',
    });
    const outside = await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, account: '111111111111' } });
    expect(outside.status, outside.text).toBe(400);
    expect(outside.body.error.details).toContainEqual({
      field: 'account',
      rule: 'in-set',
      message: '"111111111111" is not an account of team-readonly; allowed: 333333333333, 444444444444',
    });
  });

  it('request 444444444444, approve from the email (which lists the actions), get credentials for that account\'s role', async () => {
    const created = await t.call('POST', '/requests', { as: 'alice', json: { ...REQUEST, account: '444444444444' } });
    expect(created.status, created.text).toBe(201);
    const request = created.body.request;
    expect(request).toMatchObject({ account: '444444444444', roleArn: 'arn:aws:iam::444444444444:role/TeamReadOnly', services: ['ec2', 's3-data-read'] });
    expect(JSON.parse(request.sessionPolicy)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'EC2', Effect: 'Allow', Action: ['ec2:Describe*'], Resource: '*' },
        { Sid: 'S3DataRead', Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: ['arn:aws:s3:::data-444444444444', 'arn:aws:s3:::data-444444444444/*'] },
      ],
    });

    const link = await t.linkFor(request.id, 'carol@example.com');
    const mail = t.broker.outbox.messages().find((m) => m.topic === 'approvals' && m.attributes.requestId === request.id && m.attributes.approver === 'carol@example.com')!;
    const lines = mail.message.split('\n');
    const at = lines.indexOf('Exactly what approving grants (the session policy, per service):');
    expect(lines.slice(at + 1, at + 5)).toEqual([
      '  EC2: ec2:Describe*',
      '    on *',
      '  S3 data buckets (read): s3:GetObject, s3:ListBucket',
      '    on arn:aws:s3:::data-444444444444, arn:aws:s3:::data-444444444444/*',
    ]);
    expect(lines).toContain('Account:   444444444444');

    const decided = await t.call('POST', pathOf(link), { json: { decision: 'approve' } });
    expect(decided.status, decided.text).toBe(200);
    await t.waitForRequest(request.id, (r) => r.status === 'ACTIVE' && r.history.some((h: Json) => h.type === 'issued'));

    const creds = await t.call('GET', `/requests/${request.id}/credentials`, { as: 'alice' });
    expect(creds.status, creds.text).toBe(200);
    const assumed = (t.broker.deps.issuer as LocalStsStandin).lastAssumeRole(creds.body.accessKeyId)!;
    expect(assumed.roleArn).toBe('arn:aws:iam::444444444444:role/TeamReadOnly');
    expect(assumed.account).toBe('444444444444');
    expect(assumed.sessionPolicy).toBe(request.sessionPolicy);
    // The console opens the first requested service's page, in the target's region.
    expect(creds.body.region).toBe('us-east-1');
  }, 30_000);

  it('a human assuming the role in the other account of the set raises a CRITICAL out-of-band alarm', async () => {
    const before = t.broker.outbox.messages().filter((m) => m.topic === 'alarms').length;
    const event = loadEvent<Json>('cloudtrail/assume-role-by-human.json');
    event.id = randomUUID();
    event.detail.eventID = randomUUID();
    event.detail.requestParameters.roleArn = 'arn:aws:iam::333333333333:role/TeamReadOnly';
    const res = await t.call('POST', '/_local/events', { json: event });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0]).toMatchObject({ matched: true, outcome: { outcome: 'alarmed', classification: 'out-of-band', severity: 'CRITICAL' } });
    const alarms = t.broker.outbox.messages().filter((m) => m.topic === 'alarms').slice(before);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.attributes).toMatchObject({ classification: 'out-of-band', roleArn: 'arn:aws:iam::333333333333:role/TeamReadOnly' });
  });

  it('the same role name in an account outside the set is matched by the rule but not alarmed', async () => {
    const event = loadEvent<Json>('cloudtrail/assume-role-by-human.json');
    event.id = randomUUID();
    event.detail.eventID = randomUUID();
    event.detail.requestParameters.roleArn = 'arn:aws:iam::555555555555:role/TeamReadOnly';
    const res = await t.call('POST', '/_local/events', { json: event });
    expect(res.status, res.text).toBe(200);
    expect(res.body.results[0]).toMatchObject({ matched: true, outcome: { outcome: 'ignored' } });
  });
});
