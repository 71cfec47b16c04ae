import pc from 'picocolors';
import { CliError, ExitCode } from './exit-codes';
import type { CliIo } from './io';

/** How a command writes: colours only on a TTY, never with --json or NO_COLOR. */
export interface Output {
  json: boolean;
  colors: ReturnType<typeof pc.createColors>;
  /** One result line (or block) on stdout. */
  print(text: string): void;
  /** A JSON document on stdout (the --json contract). */
  printJson(value: unknown): void;
  /** Progress and hints on stderr; silent with --json. */
  info(text: string): void;
}

export function createOutput(json: boolean, streams: Pick<CliIo, 'stdout' | 'stderr' | 'env'>): Output {
  const colorOn = !json && streams.stdout.isTTY === true && !streams.env.NO_COLOR;
  return {
    json,
    colors: pc.createColors(colorOn),
    print: (text) => streams.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    printJson: (value) => streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    info: (text) => {
      if (!json) streams.stderr.write(`${text}\n`);
    },
  };
}

/** An error as the CLI shows it: one line on stderr (a JSON document with --json). Returns the exit code. */
export function reportError(e: unknown, json: boolean, io: Pick<CliIo, 'stderr' | 'env'>): number {
  const err = e instanceof CliError ? e : new CliError((e as Error)?.message ?? String(e), ExitCode.ERROR);
  if (json) {
    io.stderr.write(`${JSON.stringify({ error: { code: err.code ?? 'CLI_ERROR', message: err.message, details: err.details, exitCode: err.exitCode } })}\n`);
  } else {
    const colors = pc.createColors(io.stderr.isTTY === true && !io.env.NO_COLOR);
    const lines = [`${colors.red('access-broker:')} ${err.message}`, ...err.details.map((d) => `  - ${d.field ? `${d.field}: ` : ''}${d.message}${d.rule ? ` (${d.rule})` : ''}`)];
    io.stderr.write(`${lines.join('\n')}\n`);
  }
  return err.exitCode;
}

/** Seconds as the broker writes durations: 2h, 1h30m, 45m. */
export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h ? `${h}h` : '', m ? `${m}m` : '', s ? `${s}s` : ''].join('') || '0s';
}

/** A request in the shape the API returns (the fields the CLI shows). */
export interface RequestView {
  id: string;
  status: string;
  requester: { sub: string; email: string };
  target: string;
  account: string;
  roleArn: string;
  services: string[];
  durationSeconds: number;
  reason: string;
  ticket: string | null;
  createdAt: string;
  approvalsRequired?: number;
  approvals: { by: string; decision: string; at: string; comment?: string }[];
  startsAt: string | null;
  expiresAt: string | null;
  history?: { at: string; type: string; by?: string; detail?: string }[];
}

export function statusColor(out: Output, status: string): string {
  const c = out.colors;
  if (status === 'ACTIVE' || status === 'APPROVED') return c.green(status);
  if (status === 'PENDING') return c.yellow(status);
  if (['DENIED', 'FAILED', 'REVOKED', 'TIMED_OUT'].includes(status)) return c.red(status);
  return c.dim(status);
}

/** One line per request, for `list` and `approvals`. */
export function requestLine(out: Output, r: RequestView, withRequester = false): string {
  return [r.id, statusColor(out, r.status).padEnd(9 + (statusColor(out, r.status).length - r.status.length)), r.target, formatSeconds(r.durationSeconds), r.services.join(','), ...(withRequester ? [r.requester.email] : []), out.colors.dim(r.createdAt)].join('  ');
}

/** Every field a person needs to judge or use a request, for `show`. */
export function requestBlock(out: Output, r: RequestView): string {
  const c = out.colors;
  const rows: [string, string][] = [
    ['target', `${r.target} (${r.account})`],
    ['role', r.roleArn],
    ['services', r.services.join(', ')],
    ['duration', formatSeconds(r.durationSeconds)],
    ['reason', r.reason],
    ['ticket', r.ticket ?? '-'],
    ['requester', r.requester.email],
    ['created', r.createdAt],
    ['window', r.startsAt && r.expiresAt ? `${r.startsAt} to ${r.expiresAt}` : '-'],
    ['approvals', `${r.approvals.filter((a) => a.decision === 'approve').length} of ${r.approvalsRequired ?? '?'}`],
    ...r.approvals.map((a): [string, string] => ['', `${a.decision} by ${a.by} at ${a.at}${a.comment ? `: ${a.comment}` : ''}`]),
  ];
  return [`${c.bold(r.id)}  ${statusColor(out, r.status)}`, ...rows.map(([k, v]) => `  ${c.dim(k.padEnd(10))} ${v}`)].join('\n');
}
