/**
 * Thrown for an event pattern EventBridge would refuse. `path` names the offending spot
 * (`detail.state[1]`, or `(root)`) so a bad alarm rule fails at load time with a pointer to the fix.
 */
export class EventPatternError extends Error {
  readonly path: string;
  readonly reason: string;

  constructor(path: string, reason: string) {
    super(`Invalid event pattern at ${path}: ${reason}`);
    this.name = 'EventPatternError';
    this.path = path;
    this.reason = reason;
  }
}
