/**
 * The profiles `access-broker profile` writes: the real AWS CLI (v2) resolving them, whose
 * `credential_process` runs the built CLI, which answers from its cache or the broker; and the
 * same commands run in the worker where what is checked is the CLI's answer, not the AWS CLI's
 * (a target-named profile, a request that is not ACTIVE). Apart from
 * test/integration/cli.test.ts so that the two files run side by side.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestBroker } from '../helpers/broker';
import { quoteWord } from '../../cli/aws-config';
import { cliUser, ensureCliBuilt, LAUNCHER, type CliUser } from '../helpers/cli';

const AWS_CLI = process.env.AWS_CLI ?? '/usr/bin/aws';

/** The real AWS CLI resolving a profile, as a person's `aws` command would. */
function awsExportCredentials(user: CliUser, profile: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(AWS_CLI, ['configure', 'export-credentials', '--profile', profile], { env: user.env, timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The arguments a profile's credential_process gives the CLI after node and the launcher (the
 * command as the profile writes it; the arguments here need no quoting).
 */
function credentialProcessArgs(user: CliUser, profile: string): string[] {
  const config = readFileSync(user.env.AWS_CONFIG_FILE!, 'utf8');
  const section = config.split(/^(?=\[)/m).find((s) => s.startsWith(`[profile ${profile}]`)) ?? '';
  const command = /^credential_process = (.*)$/m.exec(section)?.[1] ?? '';
  const start = `${quoteWord(process.execPath)} ${quoteWord(LAUNCHER)} `;
  expect(command.startsWith(start), command).toBe(true);
  const args = command.slice(start.length).split(' ');
  for (const arg of args) expect(quoteWord(arg), 'an argument that needs quoting').toBe(arg);
  return args;
}

describe('AWS CLI profiles backed by access-broker', { timeout: 90_000 }, () => {
  const broker = useTestBroker();
  let alice: CliUser;
  let activeId = '';

  beforeAll(async () => {
    await ensureCliBuilt();
    alice = cliUser(broker().broker.baseUrl);
    expect((await alice.run(['login', '--local', '--sub', 'alice', '--email', 'alice@example.com', '--group', 'engineers'])).code).toBe(0);
    const t = broker();
    const created = await t.call('POST', '/requests', {
      as: 'alice',
      json: { target: 'sandbox-readonly', services: ['ec2', 'databases'], duration: '2h', reason: 'Investigating INC-4411 latency on orders-db', ticket: 'INC-4411' },
    });
    expect(created.status, created.text).toBe(201);
    activeId = created.body.request.id;
    const link = await t.linkFor(activeId, 'carol@example.com');
    expect((await t.call('POST', new URL(link).pathname, { json: { decision: 'approve' } })).status).toBe(200);
    await t.waitForRequest(activeId, (r) => r.status === 'ACTIVE');
  });
  afterAll(() => alice?.cleanup());

  it('profile writes an AWS profile the real AWS CLI resolves twice with one API call', async () => {
    const configFile = alice.env.AWS_CONFIG_FILE!;
    mkdirSync(dirname(configFile), { recursive: true });
    writeFileSync(configFile, '[default]\nregion = eu-west-1\n\n[profile other]\nregion = eu-central-1\noutput = json\n');
    const r = await alice.run(['profile', activeId, '--name', 'sandbox']);
    expect(r.code).toBe(0);
    const once = readFileSync(configFile, 'utf8');
    expect(once).toContain('[default]\nregion = eu-west-1\n\n[profile other]\nregion = eu-central-1\noutput = json\n\n[profile sandbox]\n');
    expect(once).toContain(`credential_process = ${process.execPath} ${LAUNCHER} --url ${broker().broker.baseUrl} credentials ${activeId} --format process`);
    expect(statSync(configFile).mode & 0o777).toBe(0o600);
    // idempotent
    await alice.run(['profile', activeId, '--name', 'sandbox']);
    expect(readFileSync(configFile, 'utf8')).toBe(once);
    // a profile it did not write is left alone
    const clash = await alice.run(['profile', activeId, '--name', 'other']);
    expect(clash.code).toBe(5);
    expect(clash.stderr).toContain('was not written by access-broker');

    // `credentials --format process` above filled the cache: start from an empty one
    const cacheDir = join(alice.env.ACCESS_BROKER_HOME!, 'cache', 'credentials');
    rmSync(cacheDir, { recursive: true, force: true });
    const before = broker().broker.invocations().getCredentials ?? 0;
    const first = await awsExportCredentials(alice, 'sandbox');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const second = await awsExportCredentials(alice, 'sandbox');
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
    expect(JSON.parse(first.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIALOCAL/) });
    expect((broker().broker.invocations().getCredentials ?? 0) - before).toBe(1);
    // the cache holds secrets: 0600 files in a 0700 directory
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(cacheDir)) expect(statSync(join(cacheDir, f)).mode & 0o777).toBe(0o600);
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it('a profile, exec and credentials can name a target: they follow your newest ACTIVE request on it', async () => {
    const active = JSON.parse((await alice.run(['list', '--status', 'ACTIVE', '--json'])).stdout) as { items: { id: string; target: string }[] };
    const newest = active.items.find((r) => r.target === 'sandbox-readonly')!.id;
    const written = await alice.run(['profile', 'sandbox-readonly', '--name', 'sandbox-latest', '--json']);
    expect(JSON.parse(written.stdout)).toMatchObject({ target: 'sandbox-readonly', region: 'us-east-1', created: true });
    // The profiles' own commands (the AWS CLI running such a command is the first test): the
    // newest ACTIVE request's credentials, and for prod-readonly, with no ACTIVE request, what to
    // do. The profiles are written first (one config file); the reads then run side by side.
    await alice.run(['profile', 'prod-readonly', '--name', 'prod-latest']);
    expect(credentialProcessArgs(alice, 'sandbox-latest')).toEqual(['--url', broker().broker.baseUrl, 'credentials', 'sandbox-readonly', '--format', 'process']);
    const [resolved, ran, none] = await Promise.all([
      alice.run(credentialProcessArgs(alice, 'sandbox-latest')),
      alice.run(['exec', 'sandbox-readonly', '--', process.execPath, '-e', 'console.log(process.env.ACCESS_BROKER_REQUEST_ID)']),
      alice.run(credentialProcessArgs(alice, 'prod-latest')),
    ]);
    expect(resolved.code).toBe(0);
    expect(JSON.parse(resolved.stdout)).toMatchObject({ Version: 1, AccessKeyId: expect.stringMatching(/^ASIALOCAL/) });
    expect(ran.stdout.trim()).toBe(newest);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('No ACTIVE request of yours on target prod-readonly: ask with `access-broker request --target prod-readonly ...`');
    const unknown = await alice.run(['profile', 'no-such-target', '--name', 'nowhere']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain('no-such-target is neither a request id nor a target you may request');
  });

  it('the AWS CLI shows the broker\'s errors verbatim (an expired login); a profile of a request not ACTIVE says why', async () => {
    const created = await alice.run(['request', '--target', 'prod-readonly', '--services', 'ec2', '--duration', '30m', '--reason', 'Check the new AMI rollout', '--json']);
    const pendingId = (JSON.parse(created.stdout) as { request: { id: string } }).request.id;
    await alice.run(['profile', pendingId, '--name', 'pending']);

    // an expired login that cannot be renewed, with the same profiles
    const expired = cliUser(broker().broker.baseUrl);
    try {
      const sessions = join(expired.env.ACCESS_BROKER_HOME!, 'sessions.json');
      const session = { kind: 'oidc', token: 'x.e30.x', expiresAt: '2020-01-01T00:00:00.000Z', sub: 'alice', email: 'alice@example.com' };
      mkdirSync(dirname(sessions), { recursive: true });
      writeFileSync(sessions, JSON.stringify({ sessions: { [broker().broker.baseUrl]: session } }));
      await expired.run(['profile', activeId, '--name', 'sandbox']).then((r) => expect(r.code).toBe(3));
      mkdirSync(dirname(expired.env.AWS_CONFIG_FILE!), { recursive: true });
      writeFileSync(expired.env.AWS_CONFIG_FILE!, readFileSync(alice.env.AWS_CONFIG_FILE!));

      // The AWS CLI passes the credential process's message through (one run shows it; the
      // revoked case in cli-decisions.test.ts is another). The profile's own command says why a
      // request that is not ACTIVE has no credentials.
      const pendingCommand = credentialProcessArgs(alice, 'pending');
      expect(pendingCommand).toEqual(['--url', broker().broker.baseUrl, 'credentials', pendingId, '--format', 'process']);
      const [notActive, r] = await Promise.all([alice.run(pendingCommand), awsExportCredentials(expired, 'sandbox')]);
      expect(notActive.code).toBe(5);
      expect(notActive.stdout).toBe('');
      expect(notActive.stderr).toContain(`Request ${pendingId} is PENDING; credentials exist only while it is ACTIVE`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`Your login to ${broker().broker.baseUrl} has expired: run \`access-broker login\``);

      // cancel it (and a second cancel is a conflict: exit 5)
      expect((await alice.run(['cancel', pendingId])).stdout).toContain(`${pendingId} CANCELLED`);
      const again = await alice.run(['cancel', pendingId]);
      expect(again.code).toBe(5);
      expect(again.stderr).toContain('CANCELLED');
    } finally {
      expired.cleanup();
    }
  });
});
