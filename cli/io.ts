/**
 * What one run of the CLI reads and writes. cli/index.ts gives it the process's own; tests run
 * the CLI in their process as several people at once, each with an environment and streams of
 * their own, so nothing below run() reads `process.env` or writes `process.stdout` directly.
 */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdin: Readable & { isTTY?: boolean };
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  /** The runnable launcher, for credential_process lines (cli/access-broker.mjs names itself). */
  launcher: string | undefined;
}

/** The process's own environment and streams. */
export function processIo(): CliIo {
  return {
    env: process.env,
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    launcher: process.env.ACCESS_BROKER_LAUNCHER ?? process.argv[1],
  };
}

/** True when a child process can share this run's terminal and streams as they are. */
export const isProcessIo = (io: CliIo) => io.stdout === process.stdout && io.stderr === process.stderr && io.stdin === process.stdin;
