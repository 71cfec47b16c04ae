import { afterAll, beforeAll } from 'vitest';
import { startLocalBroker, type LocalBroker, type LocalBrokerOptions } from '../../local/broker';
import type { WorkflowTimer } from '../../local/workflow-timer';

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
  const broker: LocalBroker = await startLocalBroker({ logLevel: 'error', retryIntervalMs: 0, ...options });
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
  /**
   * Waits until the workflow holds `id`'s window open: the end-of-access hold has stored its
   * task token (issuing clears the approval's), so its timeout is pending on the workflow timer
   * and advancing the clock past the window's end expires it.
   */
  async function held(id: string, timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await broker.deps.requests.getTaskToken(id))) {
      if (Date.now() > deadline) throw new Error(`request ${id} never reached the end-of-access hold`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return { broker, call, tokenFor, linkFor, waitForRequest, held };
}

export type TestBroker = Awaited<ReturnType<typeof startTestBroker>>;

/**
 * Test time: a clock the test moves (`advance`, or `offsetMs` directly) and a timer for the
 * local workflow runner whose pauses (the access window's Wait, retry backoff, approval
 * timeouts) end only when the test advances past them. Nothing waits in real time.
 */
export function movableClock(): MovableClock {
  const sleepers: { until: number; ms: number; resolve: () => void }[] = [];
  const onSleep: (() => void)[] = [];
  const time: MovableClock = {
    offsetMs: 0,
    clock: { now: () => new Date(Date.now() + time.offsetMs) },
    timer: {
      now: () => Date.now() + time.offsetMs,
      sleep(ms: number, signal?: AbortSignal): Promise<void> {
        if (ms <= 0 || signal?.aborted) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const sleeper = {
            until: time.timer.now() + ms,
            ms,
            resolve: () => {
              signal?.removeEventListener('abort', sleeper.resolve);
              const i = sleepers.indexOf(sleeper);
              if (i >= 0) sleepers.splice(i, 1);
              resolve();
            },
          };
          sleepers.push(sleeper);
          signal?.addEventListener('abort', sleeper.resolve, { once: true });
          for (const wake of onSleep.splice(0)) wake();
        });
      },
    },
    async advance(ms: number): Promise<void> {
      time.offsetMs += ms;
      for (;;) {
        // Lets what the last pause released run far enough to take its next pause.
        for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
        const due = sleepers.filter((s) => s.until <= time.timer.now()).sort((a, b) => a.until - b.until)[0];
        if (!due) return;
        due.resolve();
      }
    },
    pending: () => sleepers.map((s) => s.ms),
    async sleeping(which = () => true) {
      while (!sleepers.some((s) => which(s.ms))) await new Promise<void>((r) => onSleep.push(r));
    },
  };
  return time;
}

export interface MovableClock {
  /** How far the clock is ahead of real time; set it to jump (no pause ends by that alone). */
  offsetMs: number;
  clock: { now(): Date };
  timer: WorkflowTimer;
  /** Moves the clock on by `ms` and ends every pause due by then, earliest first. */
  advance(ms: number): Promise<void>;
  /** The lengths (ms) of the pauses now pending, in the order they were asked for. */
  pending(): number[];
  /** Resolves once a pause (of a length `which` accepts; by default any) is pending, at once if one is. */
  sleeping(which?: (ms: number) => boolean): Promise<void>;
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
