import { statSync } from 'node:fs';
import { join } from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { useTestBroker } from '../helpers/broker';
import { cliUser, ensureCliBuilt, LAUNCHER, type CliUser } from '../helpers/cli';

const REQUEST = ['--target', 'sandbox-readonly', '--services', 'ec2,databases', '--duration', '2h', '--reason', 'Investigating INC-4411 latency on orders-db', '--ticket', 'INC-4411'];

describe('access-broker CLI against local mode', { timeout: 90_000 }, () => {
  const broker = useTestBroker();
  let alice: CliUser;
  let carol: CliUser;
  let activeId = '';

  beforeAll(async () => {
    await ensureCliBuilt();
    alice = cliUser(broker().broker.baseUrl);
    carol = cliUser(broker().broker.baseUrl);
  });
  afterAll(() => {
    alice?.cleanup();
    carol?.cleanup();
  });

  /** Approves through carol's emailed link (the link a person clicks), as a browser form post would. */
  async function approveByLink(id: string) {
    const link = await broker().linkFor(id, 'carol@example.com');
    const res = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve&comment=ok' });
    expect(res.status).toBe(200);
  }

  it('refuses commands before login with exit code 3, and bad flags with exit code 2 (the built bundle, as processes)', async () => {
    const [notLoggedIn, usage, help] = await Promise.all([
      alice.runProcess(['list']),
      alice.runProcess(['credentials', 'X', '--format', 'yaml']),
      alice.runProcess(['--help']),
    ]);
    expect(notLoggedIn.code).toBe(3);
    expect(notLoggedIn.stderr).toContain('Not logged in to http://127.0.0.1:');
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("Allowed choices are env, json, process");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--url <url>');
    // the same answers from the CLI run in this process, as every other test here runs it
    expect(await alice.run(['list'])).toEqual(notLoggedIn);
    expect(await alice.run(['credentials', 'X', '--format', 'yaml'])).toEqual(usage);
    expect(await alice.run(['--help'])).toEqual(help);
  });

  it('runs as `npx access-broker`, the package bin', async () => {
    const r = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile('npx', ['--offline', 'access-broker', '--help'], { cwd: ROOT, env: { ...alice.env }, timeout: 60_000 }, (e, stdout) => resolve({ code: e ? 1 : 0, stdout })),
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: access-broker [options] [command]');
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 error, 2 usage');
  });

  it('logs in a requester and an approver with login --local; state files are 0600 in a 0700 directory', async () => {
    const a = await alice.run(['login', '--local', '--sub', 'alice', '--email', 'alice@example.com', '--group', 'engineers']);
    expect(a).toMatchObject({ code: 0 });
    expect(a.stdout).toContain('Logged in to http://127.0.0.1:');
    const c = await carol.run(['login', '--local', '--sub', 'carol', '--email', 'carol@example.com', '--group', 'engineers', '--group', 'approvers', '--json']);
    expect(JSON.parse(c.stdout)).toMatchObject({ sub: 'carol', groups: ['engineers', 'approvers'], kind: 'local' });
    const home = alice.env.ACCESS_BROKER_HOME!;
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'sessions.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse((await alice.run(['whoami', '--json'])).stdout)).toMatchObject({ email: 'alice@example.com', kind: 'local' });
  });

  it('lists the targets alice may request', async () => {
    const r = await alice.run(['targets']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sandbox-readonly {2}account 111111111111 {2}max 4h/);
    // An account-set target names its accounts (asked with --account), never "undefined".
    expect(r.stdout).toMatch(/team-readonly {2}accounts 333333333333, 444444444444 \(--account\) {2}max 2h/);
    expect(r.stdout).not.toContain('undefined');
    const json = JSON.parse((await alice.run(['targets', '--json'])).stdout) as { targets: { id: string }[] };
    expect(json.targets.map((t) => t.id)).toContain('prod-readonly');
  });

  it('shows a refused request with each broken rule and exits 2', async () => {
    const r = await alice.run(['request', '--target', 'prod-readonly', '--services', 'ec2,iam', '--duration', '3h', '--reason', 'short']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('services[1]');
    expect(r.stderr).toContain('(maximum)');
    const json = await alice.run(['request', '--target', 'prod-readonly', '--services', 'ec2', '--duration', '3h', '--reason', 'short', '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { code: 'VALIDATION_FAILED', exitCode: 2 } });
    const missing = await alice.run(['request', '--target', 'prod-readonly']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('request needs --services, --duration, --reason');
  });

  it('request --wait shows the status live until the approver approves, then exits 0 with the request', async () => {
    const waiting = alice.start(['request', ...REQUEST, '--wait', '--json']);
    const mail = await broker().broker.outbox.waitFor((m) => m.topic === 'approvals' && m.attributes.approver === 'carol@example.com', 15_000);
    const id = mail.attributes.requestId!;
    // carol sees it among her approvals before she decides
    const pending = await carol.run(['approvals']);
    expect(pending.stdout).toContain(`${id}  PENDING`);
    expect(pending.stdout).toContain('alice@example.com');
    await approveByLink(id);
    const done = await waiting.done;
    expect(done.code).toBe(0);
    const { request } = JSON.parse(done.stdout) as { request: { id: string; status: string } };
    expect(request).toMatchObject({ id, status: 'ACTIVE' });
    activeId = id;
  });

  it('prints the status changes on stderr when --wait runs without a terminal', async () => {
    const waiting = alice.start(['request', ...REQUEST.slice(0, 6), '--reason', 'Second look at orders-db latency', '--wait']);
    const mail = await broker().broker.outbox.waitFor((m) => m.topic === 'approvals' && m.attributes.approver === 'carol@example.com' && m.attributes.requestId !== activeId, 15_000);
    await approveByLink(mail.attributes.requestId!);
    const done = await waiting.done;
    expect(done.code).toBe(0);
    expect(done.stdout.trim()).toBe(mail.attributes.requestId);
    expect(done.stderr).toContain('status: PENDING');
    expect(done.stderr).toContain('status: ACTIVE');
  });

  it('lists and shows requests; an unknown id exits 4', async () => {
    const list = await alice.run(['list']);
    expect(list.stdout).toContain(`${activeId}  ACTIVE`);
    const show = await alice.run(['show', activeId, '--history']);
    expect(show.stdout).toContain('target     sandbox-readonly (111111111111)');
    expect(show.stdout).toContain('approve by carol@example.com');
    expect(show.stdout).toContain('issued');
    const asJson = JSON.parse((await alice.run(['show', activeId, '--json'])).stdout) as { request: { id: string } };
    expect(asJson.request.id).toBe(activeId);
    const unknown = await alice.run(['show', '01ZZZZZZZZZZZZZZZZZZZZZZZZ']);
    expect(unknown.code).toBe(4);
  });

  it('prints credentials as env, json and credential_process', async () => {
    const env = await alice.run(['credentials', activeId, '--format', 'env']);
    expect(env.stdout).toMatch(/^export AWS_ACCESS_KEY_ID='ASIALOCAL\w+'$/m);
    expect(env.stdout).toContain('export AWS_SESSION_TOKEN=');
    expect(env.stdout).toContain("export AWS_REGION='us-east-1'");
    const json = JSON.parse((await alice.run(['credentials', activeId, '--format', 'json'])).stdout) as Record<string, string>;
    expect(json).toMatchObject({ requestId: activeId, local: true });
    expect(json.consoleUrl).toContain('/_local/console?session=');
    const proc = JSON.parse((await alice.run(['credentials', activeId, '--format', 'process'])).stdout) as Record<string, unknown>;
    expect(Object.keys(proc).sort()).toEqual(['AccessKeyId', 'Expiration', 'SecretAccessKey', 'SessionToken', 'Version']);
    expect(proc.Version).toBe(1);
    // carol is an approver, not the requester: credentials are not hers to see
    const notHers = await carol.run(['credentials', activeId, '--format', 'json']);
    expect(notHers.code).toBe(4);
  });

  it('exec runs a command with the credentials in its environment and passes its exit code through', async () => {
    const script = 'console.log([process.env.AWS_ACCESS_KEY_ID, process.env.AWS_REGION, process.env.ACCESS_BROKER_REQUEST_ID, Boolean(process.env.AWS_SESSION_TOKEN)].join(" ")); process.exit(7 + Number(process.argv[1]))';
    const r = await alice.run(['exec', activeId, '--', process.execPath, '-e', script, '3']);
    expect(r.code).toBe(10);
    expect(r.stdout).toMatch(new RegExp(`^ASIALOCAL\\w+ us-east-1 ${activeId} true$`, 'm'));
    const missing = await alice.run(['exec', activeId, '--', 'no-such-command-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('command not found');
    // The built bundle as a process: the child inherits its terminal and streams, and its exit
    // code becomes the CLI process's own.
    const bin = await alice.runProcess(['exec', activeId, '--', process.execPath, '-e', script, '5']);
    expect(bin.code).toBe(12);
    expect(bin.stdout).toMatch(new RegExp(`^ASIALOCAL\\w+ us-east-1 ${activeId} true$`, 'm'));
  });

  it('console --print prints a fresh sign-in URL', async () => {
    const r = await alice.run(['console', activeId, '--print']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_local\/console\?session=/);
    // another granted service and region: local mode's preview page shows where the real URL lands
    const rds = await alice.run(['console', activeId, '--service', 'databases', '--region', 'eu-west-1', '--print']);
    const page = await (await fetch(rds.stdout.trim())).text();
    expect(page).toContain('https://eu-west-1.console.aws.amazon.com/rds/home?region=eu-west-1');
    const notGranted = await alice.run(['console', activeId, '--service', 'iam', '--print']);
    expect(notGranted.code).toBe(2);
    expect(notGranted.stderr).toContain("service: must be one of the request's services: ec2, databases (enum)");
  });
});

describe('access-broker request on a terminal asks for what is missing', { timeout: 90_000 }, () => {
  const broker = useTestBroker();
  let bob: CliUser;
  beforeAll(async () => {
    await ensureCliBuilt();
    bob = cliUser(broker().broker.baseUrl);
    await bob.run(['login', '--local', '--sub', 'bob', '--email', 'bob@example.com', '--group', 'engineers']);
  });
  afterAll(() => bob?.cleanup());

  it('prompts (target, services, duration, reason, ticket) from the catalogue and submits', async () => {
    // util-linux `script` gives the CLI a pseudo-terminal, as a person's shell would.
    // (a pseudo-terminal made without one starts 0 columns wide: give it a size first)
    const command = `stty cols 120 rows 40; ${[process.execPath, LAUNCHER, 'request'].map((w) => `'${w}'`).join(' ')}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...bob.env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const done = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
    /** Waits until the screen shows `text` (after what was already answered), then types `keys`. */
    let seen = 0;
    const answer = async (text: string, keys: string) => {
      for (let i = 0; i < 1500; i++) {
        const at = screen.indexOf(text, seen);
        if (at >= 0) {
          seen = at + text.length;
          // a prompt listens for keys before it draws itself
          child.stdin.write(keys);
          return;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`the prompt "${text}" never appeared; screen: ${screen}`);
    };
    await answer('Target', '\r');
    await answer('Services', ' \r');
    await answer('Duration (max 4h)', '45m\r');
    await answer('Reason', 'Asked for interactively in a terminal\r');
    await answer('Ticket (optional)', 'INC-77\r');
    expect(await done).toBe(0);
    const id = /\b([0-9A-Z]{26})\b/.exec(screen.slice(seen))?.[1];
    expect(id).toBeDefined();
    const stored = await broker().call('GET', `/requests/${id}`, { as: 'bob' });
    expect(stored.body.request).toMatchObject({ target: 'sandbox-readonly', services: ['ec2'], durationSeconds: 2700, reason: 'Asked for interactively in a terminal', ticket: 'INC-77' });
  });

  it('--wait on a terminal shows a spinner that ends with the window', async () => {
    const command = `stty cols 120 rows 40; ${[process.execPath, LAUNCHER, 'request', ...REQUEST, '--wait'].map((w) => `'${w}'`).join(' ')}`;
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: { ...bob.env, TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    const done = new Promise<number>((resolve) => child.once('close', (code) => resolve(code ?? 1)));
    const mail = await broker().broker.outbox.waitFor((m) => m.topic === 'approvals' && m.attributes.approver === 'carol@example.com' && m.message.includes('INC-4411'), 15_000);
    const id = mail.attributes.requestId!;
    const link = await broker().linkFor(id, 'carol@example.com');
    expect((await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'decision=approve' })).status).toBe(200);
    expect(await done).toBe(0);
    expect(screen).toContain(`${id}: PENDING`);
    expect(screen).toMatch(new RegExp(`✔ ${id}: ACTIVE until 20\\d\\d-`));
  });
});
