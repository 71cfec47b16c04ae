import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { awsConfigFile } from '../../cli/aws-config';
import { run } from '../../cli/main';
import { brokerHome } from '../../cli/state';

/** One run's io: the given environment and streams that keep what is written. */
function io(env: NodeJS.ProcessEnv) {
  const out = { stdout: '', stderr: '' };
  const stdout = new PassThrough().on('data', (d: Buffer) => (out.stdout += d.toString()));
  const stderr = new PassThrough().on('data', (d: Buffer) => (out.stderr += d.toString()));
  return { io: { env, stdin: Readable.from([]), stdout, stderr, launcher: '/opt/access-broker/cli/access-broker.mjs' }, out };
}

describe('the CLI reads its environment and writes its streams through io, never the process\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-io-'));
  const saved = process.env.ACCESS_BROKER_URL;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    if (saved === undefined) delete process.env.ACCESS_BROKER_URL;
    else process.env.ACCESS_BROKER_URL = saved;
  });

  it.each([
    ['ACCESS_BROKER_HOME', { ACCESS_BROKER_HOME: '/srv/ab', HOME: '/home/x' }, '/srv/ab', '/home/x/.aws/config'],
    ['HOME', { HOME: '/home/x' }, '/home/x/.config/access-broker', '/home/x/.aws/config'],
    ['AWS_CONFIG_FILE', { HOME: '/home/x', AWS_CONFIG_FILE: '/etc/aws.conf' }, '/home/x/.config/access-broker', '/etc/aws.conf'],
  ])('takes the state directory and AWS config file from the env given (%s)', (_name, env, home, config) => {
    expect(brokerHome(env)).toBe(home);
    expect(awsConfigFile(env)).toBe(config);
  });

  it('--url defaults to io.env.ACCESS_BROKER_URL, and output and errors go to io\'s streams', async () => {
    process.env.ACCESS_BROKER_URL = 'http://127.0.0.1:1';
    const written = [vi.spyOn(process.stdout, 'write'), vi.spyOn(process.stderr, 'write')];
    const home = join(dir, 'home');
    const a = io({ ACCESS_BROKER_URL: 'http://127.0.0.1:9', ACCESS_BROKER_HOME: home, NO_COLOR: '1' });
    expect(await run(['logout'], a.io)).toBe(0);
    expect(a.out).toEqual({ stdout: 'Not logged in to http://127.0.0.1:9\n', stderr: '' });
    const b = io({ ACCESS_BROKER_URL: 'http://127.0.0.1:9', ACCESS_BROKER_HOME: home, NO_COLOR: '1' });
    expect(await run(['whoami'], b.io)).toBe(3);
    expect(b.out).toEqual({ stdout: '', stderr: 'access-broker: Not logged in to http://127.0.0.1:9\n' });
    const c = io({ ACCESS_BROKER_HOME: home });
    expect(await run(['--help'], c.io)).toBe(0);
    expect(c.out.stdout.replace(/\s+/g, ' ')).toContain("the broker's base URL (default: $ACCESS_BROKER_URL, else http://localhost:3000)");
    const d = io({ ACCESS_BROKER_HOME: home });
    expect(await run(['no-such-command'], d.io)).toBe(2);
    expect(d.out.stderr).toContain("error: unknown command 'no-such-command'");
    // nothing was written anywhere: the runs only read, and nothing went to the process's streams
    expect(readdirSync(dir)).toEqual([]);
    for (const spy of written) {
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
    }
  });
});
