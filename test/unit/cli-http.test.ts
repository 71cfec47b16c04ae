import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpUnreachable, httpRequest, jsonObjectOf } from '../../cli/http';

describe('the CLI HTTP client (node:http, not fetch)', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/hang') return; // never answers
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
        res.end(req.url === '/missing' ? '{"error":{"code":"NOT_FOUND"}}' : JSON.stringify({ echo: body, n: 'é' }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('sends the method, headers and a UTF-8 body with its byte length; answers status, ok and text', async () => {
    const answer = await httpRequest(`${base}/x`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: '{"reason":"café"}' });
    expect(answer).toEqual({ status: 200, ok: true, text: JSON.stringify({ echo: '{"reason":"café"}', n: 'é' }) });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', body: '{"reason":"café"}', headers: { authorization: 'Bearer t', 'content-length': '18' } });
    expect(jsonObjectOf(answer)).toEqual({ echo: '{"reason":"café"}', n: 'é' });
  });

  it('a 404 is an answer, not an error', async () => {
    const answer = await httpRequest(`${base}/missing`, { method: 'GET' });
    expect(answer.status).toBe(404);
    expect(answer.ok).toBe(false);
    expect(jsonObjectOf(answer)).toEqual({ error: { code: 'NOT_FOUND' } });
  });

  it('an unreachable broker and a broker that never answers fail with a code', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpRequest(`http://127.0.0.1:${port}/`, { method: 'GET' })).rejects.toMatchObject({ name: 'HttpUnreachable', code: 'ECONNREFUSED' });
    const hung = httpRequest(`${base}/hang`, { method: 'GET', timeoutMs: 200 });
    await expect(hung).rejects.toBeInstanceOf(HttpUnreachable);
    await expect(hung).rejects.toMatchObject({ code: 'ETIMEDOUT', message: 'no answer within 0.2 s' });
  });

  it('reads a body that is empty, not JSON or not an object as {}', () => {
    for (const text of ['', 'nope', '[1]', 'null', '"s"']) expect(jsonObjectOf({ status: 200, ok: true, text })).toEqual({});
    expect(jsonObjectOf(undefined)).toEqual({});
  });
});
