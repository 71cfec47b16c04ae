/**
 * A sealed secret could not be opened: wrong request, tampered bytes, or another key.
 * Deliberately says nothing about the contents; it is an internal failure (HTTP 500).
 */
export class VaultOpenError extends Error {
  readonly code = 'SEALED_SECRET_UNREADABLE';
  constructor(reason: string) {
    super(`The sealed credentials cannot be opened: ${reason}`);
    this.name = 'VaultOpenError';
  }
}
