import { afterAll, beforeAll } from 'vitest';
import { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from '../../local/broker';

/** People of the example catalogue (config/catalogue.example.yaml) that local mode starts with. */
export const PEOPLE = {
  alice: { sub: 'alice', email: 'alice@example.com', groups: ['engineers'] },
  bob: { sub: 'bob', email: 'bob@example.com', groups: ['engineers'] },
  carol: { sub: 'carol', email: 'carol@example.com', groups: ['engineers', 'approvers'] },
  dave: { sub: 'dave', email: 'dave@example.com', groups: ['approvers'] },
  erin: { sub: 'erin', email: 'erin@example.com', groups: ['approvers'] },
  mallory: { sub: 'mallory', email: 'mallory@example.com', groups: ['contractors'] },
} as const;

export type Person = keyof typeof PEOPLE;

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A running local broker plus a tiny HTTP client that talks to it as curl would. */
export async function startTestBroker(options: LocalBrokerOptions = {}) {
  const broker: LocalBroker = await startLocalBroker({ logLevel: 'error', retryIntervalMs: 10, ...options });
  const tokens = new Map<string, string>();
  const tokenFor = async (who: Person) => {
    let t = tokens.get(who);
    if (!t) {
      t = await broker.token({ ...PEOPLE[who], groups: [...PEOPLE[who].groups] });
      tokens.set(who, t);
    }
    return t;
  };
  async function call<T = any>(
    method: string,
    path: string,
    opts: { as?: Person; token?: string; json?: unknown; body?: string; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token ?? (opts.as ? await tokenFor(opts.as) : undefined);
    if (token) headers.authorization = `Bearer ${token}`;
    let body = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${broker.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML or plain text bodies stay as text
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }
  /** The approval link emailed to `approver` for `requestId`, waiting for the email if needed. */
  async function linkFor(requestId: string, approver: string, timeoutMs = 10_000): Promise<string> {
    const message = await broker.outbox.waitFor(
      (m) => m.topic === 'approvals' && m.attributes.requestId === requestId && m.attributes.approver === approver,
      timeoutMs,
    );
    const link = /https?:\/\/\S+\/approvals\/[A-Za-z0-9_-]+/.exec(message.message)?.[0];
    if (!link) throw new Error('approval email has no link');
    return link;
  }
  /** Polls GET /requests/{id} until `predicate` holds. */
  async function waitForRequest(id: string, predicate: (r: any) => boolean, as: Person = 'alice', timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await call('GET', `/requests/${id}`, { as });
      if (res.status === 200 && predicate(res.body.request)) return res.body.request;
      if (Date.now() > deadline) throw new Error(`request ${id} never matched; last: ${res.text}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  return { broker, call, tokenFor, linkFor, waitForRequest };
}

export type TestBroker = Awaited<ReturnType<typeof startTestBroker>>;

/** A clock a test moves by setting `offsetMs`; real timers keep running at real speed. */
export function movableClock() {
  const time = { offsetMs: 0, clock: { now: () => new Date(Date.now() + time.offsetMs) } };
  return time;
}

/** Starts a broker before the suite's tests and closes it after them; call the getter inside tests. */
export function useTestBroker(options: LocalBrokerOptions = {}): () => TestBroker {
  let t: TestBroker | undefined;
  beforeAll(async () => {
    t = await startTestBroker(options);
  });
  afterAll(async () => {
    await t?.broker.close();
  });
  return () => {
    if (!t) throw new Error('the test broker has not started');
    return t;
  };
}
