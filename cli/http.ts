/**
 * The CLI's one HTTP call: node:http or node:https, not the global fetch. fetch loads and compiles
 * undici on its first use, about 0.2 s of CPU in every CLI process (measured on Node 20: a process
 * that makes one fetch takes 0.40 s of CPU, one that makes one node:http request 0.15 s, an empty
 * one 0.13 s). Every `aws` command through a `credential_process` profile pays that, so the CLI
 * uses node's own client for the broker's API. (The OpenID Connect login keeps openid-client,
 * which uses fetch: logging in is rare.)
 */
export interface HttpAnswer {
  status: number;
  ok: boolean;
  text: string;
}

/** The request gives up after this long without an answer (a broker that hangs must not hang `aws`). */
export const HTTP_TIMEOUT_MS = 60_000;

/** Thrown when the broker cannot be reached: `code` is node's (ECONNREFUSED, ENOTFOUND, ETIMEDOUT...). */
export class HttpUnreachable extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpUnreachable';
  }
}

export async function httpRequest(
  url: string,
  options: { method: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  const target = new URL(url);
  // Loaded on demand: node:https brings TLS, which a loopback broker never needs.
  const { request } = target.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const body = options.body === undefined ? undefined : Buffer.from(options.body, 'utf8');
  const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(target, { method: options.method, headers, timeout: options.timeoutMs ?? HTTP_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', (e: NodeJS.ErrnoException) => reject(new HttpUnreachable(e.code ?? 'ECONNRESET', e.message)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('timeout', () => req.destroy(new HttpUnreachable('ETIMEDOUT', `no answer within ${(options.timeoutMs ?? HTTP_TIMEOUT_MS) / 1000} s`)));
    req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof HttpUnreachable ? e : new HttpUnreachable(e.code ?? 'ERROR', e.message)));
    req.end(body);
  });
}

/** The answer's body as a JSON object, or `{}` when it is empty, not JSON, or not an object. */
export function jsonObjectOf(answer: HttpAnswer | undefined): Record<string, unknown> {
  try {
    const parsed: unknown = answer?.text ? JSON.parse(answer.text) : undefined;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
