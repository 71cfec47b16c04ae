import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ValidationError } from '../domain/errors';

/** API Gateway allows 10 MB; nothing the broker accepts needs more than a few hundred bytes. */
export const MAX_BODY_BYTES = 16 * 1024;

export type BodyFormat = 'json' | 'form';

export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const found = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === name);
  return found?.[1];
}

/** The media type of the body, lower-cased, without parameters ('' when absent). */
export function mediaType(event: APIGatewayProxyEventV2): string {
  return (header(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A program talking JSON (by what it sent or asked for), as opposed to a browser's form. */
export function wantsJson(event: APIGatewayProxyEventV2): boolean {
  const type = mediaType(event);
  return type === 'application/json' || type.endsWith('+json') || /application\/json/i.test(header(event, 'accept') ?? '');
}

/**
 * Reads the body as the route allows: size first (before any parsing work), then the
 * content type, then the syntax. Returns undefined for an absent or empty body.
 */
export function readBody(event: APIGatewayProxyEventV2, accepted: readonly BodyFormat[]): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  const size = Buffer.byteLength(raw, 'utf8');
  if (size > MAX_BODY_BYTES) {
    throw new ValidationError(`Request body is ${size} bytes; the limit is ${MAX_BODY_BYTES}`, [
      { field: 'body', rule: 'max-size', message: `must be at most ${MAX_BODY_BYTES} bytes (got ${size})` },
    ], 'BODY_TOO_LARGE');
  }
  const contentType = mediaType(event);
  const isJson = contentType === 'application/json' || contentType.endsWith('+json');
  const isForm = contentType === 'application/x-www-form-urlencoded';
  const expected = accepted.map((f) => (f === 'json' ? 'application/json' : 'application/x-www-form-urlencoded')).join(' or ');
  if ((isJson && accepted.includes('json')) === false && (isForm && accepted.includes('form')) === false) {
    throw new ValidationError(`Content-Type must be ${expected} (got ${contentType || 'none'})`, [
      { field: 'content-type', rule: 'media-type', message: `must be ${expected} (got ${contentType || 'none'})` },
    ], 'UNSUPPORTED_MEDIA_TYPE');
  }
  if (isForm) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch (e) {
    throw new ValidationError('Request body is not valid JSON', [
      { field: 'body', rule: 'json-syntax', message: `is not valid JSON: ${(e as Error).message}` },
    ], 'MALFORMED_JSON');
  }
}
