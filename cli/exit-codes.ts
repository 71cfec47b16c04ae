/**
 * The CLI's exit codes (docs/cli.md). Scripts branch on these, so each number keeps its meaning.
 */
export const ExitCode = {
  OK: 0,
  /** Anything else: the broker answered 5xx, the network failed, an unexpected answer. */
  ERROR: 1,
  /** Bad flags or arguments, or the broker refused the input (400). */
  USAGE: 2,
  /** Not logged in, the login expired and cannot be refreshed, or the broker answered 401. */
  AUTH: 3,
  /** No such request (404: absent or not yours to see). */
  NOT_FOUND: 4,
  /** The request's state forbids it (409 or 410): not ACTIVE, already decided, window closed. */
  CONFLICT: 5,
  /** Known caller, not allowed (403): self-approval, not an approver. */
  FORBIDDEN: 6,
  /** `request --wait` ended without access: DENIED, TIMED_OUT, CANCELLED, FAILED, EXPIRED, REVOKED. */
  NOT_GRANTED: 7,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI reports as one line on stderr (or a JSON document with --json), then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    /** The broker's error code (e.g. NOT_ACTIVE) when the broker answered one. */
    readonly code?: string,
    readonly details: readonly { field?: string; rule?: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The exit code for an HTTP status the broker answered. */
export function exitCodeForStatus(status: number): ExitCodeValue {
  if (status === 400) return ExitCode.USAGE;
  if (status === 401) return ExitCode.AUTH;
  if (status === 403) return ExitCode.FORBIDDEN;
  if (status === 404) return ExitCode.NOT_FOUND;
  if (status === 409 || status === 410) return ExitCode.CONFLICT;
  return ExitCode.ERROR;
}
