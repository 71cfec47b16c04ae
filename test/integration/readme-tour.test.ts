import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { useTestBroker } from '../helpers/broker';
import { ensureCliBuilt } from '../helpers/cli';

const run = promisify(execFile);

/** The bash blocks of the README's tour, in order: what a newcomer pastes. */
function tourScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## A five-minute tour');
  const end = readme.indexOf('\n## ', start + 5);
  const section = readme.slice(start, end);
  const blocks = [...section.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.join('\n');
}

describe('README tour', () => {
  const broker = useTestBroker();
  let home = '';
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'readme-tour-'));
    // `aws` is the AWS CLI v2 the test prerequisites install (a v1 elsewhere on PATH lacks export-credentials).
    mkdirSync(join(home, 'bin'));
    symlinkSync(process.env.AWS_CLI ?? '/usr/bin/aws', join(home, 'bin', 'aws'));
    await ensureCliBuilt();
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('runs literally against a fresh broker, through the CLI, and shows each step', async () => {
    const t = broker();
    const script = tourScript();
    expect(script.split('\n').length).toBeGreaterThan(30);
    const { stdout, stderr } = await run('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd: ROOT,
      // A newcomer's machine: their own HOME, CLI state and AWS config (the tour writes a profile).
      env: {
        PATH: `${join(home, 'bin')}:${process.env.PATH}`,
        HOME: home,
        TMPDIR: home,
        ACCESS_BROKER_URL: t.broker.baseUrl,
        AWS_CONFIG_FILE: join(home, 'aws-config'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ACCESS_BROKER_POLL_INTERVAL_MS: '20',
        NO_COLOR: '1',
      },
      timeout: 120_000,
    });
    const out = `${stdout}\n${stderr}`;
    expect(stdout).toContain('Logged in to http://127.0.0.1:');
    expect(stdout).toContain('as carol@example.com (local mode)');
    expect(stdout).toMatch(/sandbox-readonly {2}account 111111111111 {2}max 4h/);
    // the refused request: each broken rule, and exit code 2
    expect(stderr).toContain('services[1]');
    expect(stderr).toContain('(maximum)');
    expect(stdout).toContain('exit code 2');
    const id = /^request ([0-9A-Z]{26})$/m.exec(stdout)?.[1];
    expect(id).toBeDefined();
    expect(stdout).toMatch(new RegExp(`^${id}  PENDING +sandbox-readonly  2h  ec2,databases  20`, 'm'));
    // carol's approvals name the requester
    expect(stdout).toMatch(new RegExp(`^${id}  PENDING +sandbox-readonly  2h  ec2,databases  alice@example.com  20`, 'm'));
    expect(stdout).toMatch(new RegExp(`^${id} APPROVED$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^${id} ACTIVE until 20\\d\\d-`, 'm'));
    expect(stdout).toContain('approve by carol@example.com');
    expect(stdout).toMatch(/using ASIALOCAL\S+ until 20\d\d-/);
    expect(stdout).toMatch(/child sees ASIALOCAL\S+ in us-east-1/);
    expect(stdout).toMatch(/\/_local\/console\?session=/);
    expect(stdout).toContain('Wrote profile broker-sandbox');
    expect(stdout).toMatch(/^1$/m);
    // extension asked, and a scheduled request with its start
    expect(stdout).toMatch(new RegExp(`Extension \\S+ of ${id} \\(\\+30m\\): PENDING`));
    expect(stdout).toMatch(/^"startsAt": "20\d\d-\d\d-\d\dT/m);
    expect(stdout).toMatch(/^[0-9A-Z]{26} CANCELLED$/m);
    expect(out).toContain('exit code 5');
    expect(stdout).toContain('"matched":true');
    expect(stdout).toContain('[CRITICAL]');
    // about 25 CLI runs, each a Node start-up: on a busy 2-core machine this takes a while
  }, 150_000);
});
