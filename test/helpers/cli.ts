import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { run as runCli } from '../../cli/main';
import { ROOT } from '../../local/broker';
// @ts-expect-error: a plain ES module without types (the CLI's build script)
import { buildCli } from '../../scripts/build-cli.mjs';

/** The package bin, as `npx access-broker` runs it. */
export const LAUNCHER = join(ROOT, 'cli', 'access-broker.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Builds the CLI bundle once per worker (the launcher would too; building first keeps test timings even). */
let built: Promise<unknown> | undefined;
export const ensureCliBuilt = () => (built ??= (buildCli as () => Promise<string>)());

/** A stream that keeps what is written to it, as a pipe (not a terminal) would deliver it. */
function collector() {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * A person at a terminal: their own HOME, ACCESS_BROKER_HOME and AWS_CONFIG_FILE in a temp
 * directory, and the CLI pointed at `url`. `--wait` polls every 20 ms instead of 2 s.
 *
 * `run` and `start` run the CLI's own code (cli/main.ts `run`) in this process with that
 * environment and streams of its own, as cli/index.ts runs it with the process's: a Node start
 * per command would cost about 0.17 s of CPU, and the suite runs about a hundred. `runProcess`
 * runs the built bundle through the package bin, in a process of its own, where the process
 * boundary is what a test is about (the bin, exit codes, credential_process).
 */
export function cliUser(url: string) {
  const dir = mkdtempSync(join(tmpdir(), 'access-broker-cli-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    ACCESS_BROKER_HOME: join(dir, 'broker-home'),
    AWS_CONFIG_FILE: join(dir, 'aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws', 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ACCESS_BROKER_URL: url,
    ACCESS_BROKER_POLL_INTERVAL_MS: '20',
    NO_COLOR: '1',
  };
  /** Starts the CLI and returns at once: for `request --wait`, which runs until someone decides. */
  const start = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const stdout = collector();
    const stderr = collector();
    const io = { env: { ...env, ...extraEnv }, stdin: Readable.from([]), stdout: stdout.stream, stderr: stderr.stream, launcher: LAUNCHER };
    const done = runCli(args, io).then((code) => ({ code, stdout: stdout.text(), stderr: stderr.text() }));
    return { done, output: () => ({ stdout: stdout.text(), stderr: stderr.text() }) };
  };
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> => start(args, extraEnv).done;
  /** The built bundle through the package bin (`node cli/access-broker.mjs ARGS`), in a process of its own. */
  const runProcess = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [LAUNCHER, ...args], { env: { ...env, ...extraEnv }, timeout: 30_000 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  return { dir, env, run, start, runProcess, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export type CliUser = ReturnType<typeof cliUser>;
