// approve, deny, revoke and extend through the built CLI, against local mode.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBroker } from '../helpers/broker';
import { cliUser, ensureCliBuilt, type CliUser } from '../helpers/cli';

const AWS_CLI = process.env.AWS_CLI ?? '/usr/bin/aws';
const SANDBOX = ['--target', 'sandbox-readonly', '--services', 'ec2', '--duration', '2h'];

describe('access-broker approve, deny, revoke, extend (against local mode; the AWS CLI runs the built bundle)', { timeout: 90_000 }, () => {
  const broker = useTestBroker();
  let alice: CliUser;
  let carol: CliUser;
  let dave: CliUser;

  beforeAll(async () => {
    await ensureCliBuilt();
    const url = broker().broker.baseUrl;
    [alice, carol, dave] = [cliUser(url), cliUser(url), cliUser(url)];
    await alice.run(['login', '--local', '--sub', 'alice', '--email', 'alice@example.com', '--group', 'engineers']);
    await carol.run(['login', '--local', '--sub', 'carol', '--email', 'carol@example.com', '--group', 'engineers', '--group', 'approvers']);
    await dave.run(['login', '--local', '--sub', 'dave', '--email', 'dave@example.com', '--group', 'approvers']);
  });
  afterAll(() => [alice, carol, dave].forEach((u) => u?.cleanup()));

  /** Starts `request --wait` for alice and returns the new request's id once the approval mail is out. */
  async function waitingRequest(reason: string) {
    const waiting = alice.start(['request', ...SANDBOX, '--reason', reason, '--wait', '--json']);
    const mail = await broker().broker.outbox.waitFor((m) => m.topic === 'approvals' && m.attributes.approver === 'carol@example.com' && m.message.includes(reason), 15_000);
    return { waiting, id: mail.attributes.requestId! };
  }

  it('request --wait ends ACTIVE when an approver runs approve; a second vote is a conflict (exit 5)', async () => {
    const { waiting, id } = await waitingRequest('Approve from the command line please');
    const pending = await carol.run(['approvals']);
    expect(pending.stdout).toContain(`${id}  PENDING`);
    const approved = await carol.run(['approve', id, '--comment', 'ok for INC-4411', '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ decided: true, request: { id } });
    const done = await waiting.done;
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ request: { id, status: 'ACTIVE' } });
    const again = await dave.run(['approve', id]);
    expect(again.code).toBe(5);
  });

  it('request --wait exits 7 when an approver runs deny', async () => {
    const { waiting, id } = await waitingRequest('Deny this one from the command line');
    const denied = await dave.run(['deny', id, '--comment', 'not during the freeze']);
    expect(denied.code).toBe(0);
    expect(denied.stdout).toContain(`${id} DENIED`);
    const done = await waiting.done;
    expect(done.code).toBe(7);
    expect(done.stderr).toContain('DENIED');
  });

  it('an approver cannot approve their own request (exit 6)', async () => {
    const created = await carol.run(['request', ...SANDBOX, '--reason', 'Carol needs the sandbox herself', '--json']);
    const id = (JSON.parse(created.stdout) as { request: { id: string } }).request.id;
    const self = await carol.run(['approve', id]);
    expect(self.code).toBe(6);
    expect(self.stderr).toContain('access-broker:');
  });

  it('extend asks for more time on an ACTIVE request', async () => {
    const { waiting, id } = await waitingRequest('Needs an extension later on');
    await carol.run(['approve', id]);
    expect((await waiting.done).code).toBe(0);
    const extended = await alice.run(['extend', id, '--duration', '1h', '--reason', 'The migration runs longer than planned', '--json']);
    expect(extended.code).toBe(0);
    expect(JSON.parse(extended.stdout)).toMatchObject({ request: { id }, extension: expect.any(Object) });
    const bad = await alice.run(['extend', id, '--duration', '12h', '--reason', 'Far too long for this target']);
    expect([2, 5]).toContain(bad.code);
  });

  it('revoke ends the grant, and the AWS CLI then shows that the request is REVOKED', async () => {
    const { waiting, id } = await waitingRequest('Revoke me after the fix is in');
    await carol.run(['approve', id]);
    expect((await waiting.done).code).toBe(0);
    await alice.run(['profile', id, '--name', 'revoked']);
    const ok = await new Promise<number>((resolve) => execFile(AWS_CLI, ['configure', 'export-credentials', '--profile', 'revoked'], { env: alice.env }, (e) => resolve(e ? 1 : 0)));
    expect(ok).toBe(0);
    const revoked = await alice.run(['revoke', id, '--reason', 'Fix deployed, no longer needed']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`${id} REVOKED`);
    const stderr = await new Promise<string>((resolve) => execFile(AWS_CLI, ['configure', 'export-credentials', '--profile', 'revoked'], { env: alice.env }, (_e, _o, err) => resolve(err)));
    expect(stderr).toContain(`Request ${id} is REVOKED`);
    const twice = await alice.run(['revoke', id]);
    expect(twice.code).toBe(5);
  });
});
