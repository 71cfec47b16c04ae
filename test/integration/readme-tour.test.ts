import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../local/broker';
import { useTestBroker } from '../helpers/broker';

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

  it('runs literally against a fresh broker and shows each step', async () => {
    const t = broker();
    const script = tourScript();
    expect(script.split('\n').length).toBeGreaterThan(30);
    const { stdout } = await run('bash', ['-e', '-o', 'pipefail', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, B: t.broker.baseUrl },
      timeout: 60_000,
    });
    expect(stdout).toContain('sandbox-readonly max 4h');
    expect(stdout).toContain('"field": "services[1]"');
    expect(stdout).toContain('"rule": "maximum"');
    expect(stdout).toMatch(/request [0-9A-Z]{26}/);
    expect(stdout).toContain('confirmation page: 200');
    expect(stdout).toContain('decision: 200');
    expect(stdout).toMatch(/^ACTIVE$/m);
    expect(stdout).toContain('replayed link: 410');
    expect(stdout).toMatch(/using ASIALOCAL\S+ until 20\d\d-/);
    expect(stdout).toContain('/_local/console?session=');
    expect(stdout).toMatch(/^CANCELLED$/m);
    expect(stdout).toMatch(/^NOT_CANCELLABLE$/m);
    expect(stdout).toContain('[CRITICAL]');
  });
});
