import { randomBytes } from 'node:crypto';
import { STATES_TIMEOUT_ERROR } from '../shared/workflow/errors';
import { namedError } from './workflow-lambda';
import { realTimer, type WorkflowTimer } from './workflow-timer';

interface OpenCallback {
  executionArn: string;
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  /** Cancels the timeout's pause. */
  timeout: AbortController;
}

/**
 * The local stand-in for Step Functions' task tokens: each `.waitForTaskToken` attempt opens a
 * callback that SendTaskSuccess/SendTaskFailure (here: succeed/fail) or its timeout closes.
 * A token works exactly once; afterwards it is unknown, as a closed task is in AWS.
 */
export class CallbackRegistry {
  private readonly open = new Map<string, OpenCallback>();

  /** Timeouts are paused on `timer` (a test's timer moves only when the test says so). */
  constructor(private readonly timer: WorkflowTimer = realTimer) {}

  /** Opaque and unguessable, like a real token (which is also what makes it a secret). */
  newToken(): string {
    return `local-${randomBytes(48).toString('base64url')}`;
  }

  /**
   * Opens the callback for `token`. The promise settles with the SendTaskSuccess output, the
   * SendTaskFailure error, or a States.Timeout error after `timeoutMs` (none when undefined).
   */
  wait(token: string, executionArn: string, timeoutMs: number | undefined): Promise<unknown> {
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const timeout = new AbortController();
    this.open.set(token, { executionArn, resolve, reject, timeout });
    if (timeoutMs !== undefined) {
      void this.timer.sleep(timeoutMs, timeout.signal).then(() => {
        if (!timeout.signal.aborted) this.fail(token, namedError(STATES_TIMEOUT_ERROR, 'The callback task timed out'));
      });
    }
    // Handled here so a timeout that fires before the interpreter subscribes is not reported
    // as an unhandled rejection; the interpreter still gets the rejection through `promise`.
    promise.catch(() => undefined);
    return promise;
  }

  isOpen(token: string): boolean {
    return this.open.has(token);
  }

  /** Completes the callback with `output`; false when no such callback is waiting. */
  succeed(token: string, output: unknown): boolean {
    const callback = this.take(token);
    callback?.resolve(output);
    return callback !== undefined;
  }

  /** Fails the callback with `error` (its name is what Catch matches); false when none is waiting. */
  fail(token: string, error: Error): boolean {
    const callback = this.take(token);
    callback?.reject(error);
    return callback !== undefined;
  }

  /** Fails every callback of an execution (shutdown, or the execution ended some other way). */
  failExecution(executionArn: string, error: Error): void {
    for (const [token, callback] of this.open) {
      if (callback.executionArn === executionArn) this.fail(token, error);
    }
  }

  private take(token: string): OpenCallback | undefined {
    const callback = this.open.get(token);
    if (!callback) return undefined;
    this.open.delete(token);
    callback.timeout.abort();
    return callback;
  }
}
