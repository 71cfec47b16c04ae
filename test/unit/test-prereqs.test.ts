import { describe, expect, it } from 'vitest';
import { plan, type PrereqSystem as System } from '../../scripts/test-prereqs.mjs';

/** The plan, with every variant's fields readable. */
const decide = (system: System) => plan(system) as { action: string; missing: unknown[]; packages?: string[]; commands?: string[][]; message?: string };

/** A Debian machine as root where exactly `installed` (files and commands) exist. */
function machine(installed: string[], over: Partial<System> = {}): System {
  const present = new Set(installed);
  return {
    env: {},
    platform: 'linux',
    uid: 0,
    isExecutable: (file) => present.has(file),
    which: (command) => (present.has(command) ? `/usr/bin/${command}` : undefined),
    ...over,
  };
}

const ALL = ['/usr/bin/chromium', 'java', '/usr/bin/aws', 'apt-get'];
const APT = '/usr/bin/apt-get';

describe('test prerequisites (scripts/test-prereqs.mjs, run by npm test)', () => {
  it('does nothing when Chromium, Java and the AWS CLI are present', () => {
    expect(decide(machine(ALL))).toEqual({ action: 'ok', missing: [] });
  });

  it('as root with apt-get: one update, then one quiet install of exactly the missing packages', () => {
    const p = decide(machine(['apt-get', '/usr/bin/aws']));
    expect(p.action).toBe('install');
    expect(p.packages).toEqual(['chromium', 'openjdk-17-jre-headless']);
    expect(p.commands).toEqual([
      [APT, '-o', 'DPkg::Lock::Timeout=300', 'update', '-qq'],
      [APT, '-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '-qq', 'chromium', 'openjdk-17-jre-headless'],
    ]);
  });

  it.each([
    ['/usr/bin/chromium', 'chromium'],
    ['java', 'openjdk-17-jre-headless'],
    ['/usr/bin/aws', 'awscli'],
  ])('only %s missing installs only %s', (absent, pkg) => {
    const p = decide(machine(ALL.filter((x) => x !== absent)));
    expect(p.packages).toEqual([pkg]);
    expect(p.commands?.[1]?.at(-1)).toBe(pkg);
  });

  it('not root: no install, a message with the exact sudo apt-get command and what each program is for', () => {
    const p = decide(machine(['apt-get'], { uid: 1000 }));
    expect(p.action).toBe('fail');
    expect(p.commands).toBeUndefined();
    expect(p.message).toContain('sudo apt-get update && sudo apt-get install -y chromium openjdk-17-jre-headless awscli');
    expect(p.message).toContain('Chromium at /usr/bin/chromium');
    expect(p.message).toContain('`java` on PATH');
    expect(p.message).toContain('AWS CLI at /usr/bin/aws');
    expect(p.message).toContain('CHROMIUM_PATH');
  });

  it('no apt-get (or not Linux): a message naming the packages, never an install', () => {
    for (const system of [machine(['/usr/bin/aws', 'java']), machine(['/usr/bin/aws', 'java', 'apt-get'], { platform: 'darwin' })]) {
      const p = decide(system);
      expect(p.action).toBe('fail');
      expect(p.message).toContain('Debian/Ubuntu packages: chromium');
      expect(p.message).toContain('or set CHROMIUM_PATH to one you have');
    }
  });

  it('honours CHROMIUM_PATH, JAVA and AWS_CLI pointing at existing programs, and refuses ones that do not exist', () => {
    const env = { CHROMIUM_PATH: '/opt/chrome/chrome', JAVA: '/opt/jdk/bin/java', AWS_CLI: '/opt/aws/aws' };
    expect(decide(machine(['/opt/chrome/chrome', '/opt/jdk/bin/java', '/opt/aws/aws'], { env })).action).toBe('ok');
    expect(decide(machine(['/opt/jdk/bin/java', '/opt/aws/aws', '/usr/bin/chromium'], { env })).packages).toEqual(['chromium']);
    // JAVA=java21 names a command on PATH.
    expect(decide(machine(['/usr/bin/chromium', '/usr/bin/aws', 'java21'], { env: { JAVA: 'java21' } })).action).toBe('ok');
  });
});
