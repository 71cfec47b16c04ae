/**
 * Every failure the broker reports to a caller is one of these. They are mapped to
 * HTTP in exactly one place (shared/http/error-response.ts); nothing else decides a status code.
 */

/** One precise complaint: which field, which rule, in words. */
export interface ErrorDetail {
  field?: string;
  rule?: string;
  message: string;
}

/** The family of a domain error; the HTTP mapping is keyed on this, not on classes. */
export type ErrorKind =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'gone'
  | 'rate-limited'
  | 'unavailable'
  | 'upstream';

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Input broke a rule; the details name each field and rule. */
export class ValidationError extends DomainError {
  readonly kind = 'validation' as const;
  constructor(message: string, details: ErrorDetail[] = [], code = 'VALIDATION_FAILED') {
    super(code, message, details);
  }
}

/** No usable identity came with the call. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated' as const;
  constructor(message = 'A valid bearer token is required') {
    super('UNAUTHENTICATED', message);
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden' as const;
  constructor(message: string, code = 'FORBIDDEN', details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}

/** Absent, or present but not the caller's to see: the two are deliberately indistinguishable. */
export class NotFoundError extends DomainError {
  readonly kind = 'not-found' as const;
  constructor(message: string, code = 'NOT_FOUND') {
    super(code, message);
  }
}

/** The thing exists but its current state forbids the operation. */
export class ConflictError extends DomainError {
  readonly kind = 'conflict' as const;
  constructor(message: string, code = 'CONFLICT', details: ErrorDetail[] = []) {
    super(code, message, details);
  }
}

/** Was valid once, is not any more (used or expired approval links). */
export class GoneError extends DomainError {
  readonly kind = 'gone' as const;
  constructor(message: string, code = 'GONE') {
    super(code, message);
  }
}

/** Too many calls of this kind for now; `retryAfterSeconds` says when the next one is accepted. */
export class RateLimitedError extends DomainError {
  readonly kind = 'rate-limited' as const;
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, code = 'LIMIT_SUBMISSION_RATE', details: ErrorDetail[] = []) {
    super(code, message, details);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A dependency is down or refused; safe to retry later. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable' as const;
  constructor(message: string, code = 'SERVICE_UNAVAILABLE') {
    super(code, message);
  }
}

/** An AWS call failed for a reason worth naming (AccessDenied on the target role, region disabled...). */
export class UpstreamError extends DomainError {
  readonly kind = 'upstream' as const;
  readonly retryable: boolean;
  constructor(code: string, message: string, retryable = false) {
    super(code, message);
    this.retryable = retryable;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
