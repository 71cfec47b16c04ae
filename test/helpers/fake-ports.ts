/**
 * In-memory fakes of every port a use case takes, for unit tests of the use cases. Built by one
 * factory returning a plain object, so it can be handed to any use case whatever subset of the
 * ports it declares. The fakes keep the contracts that matter to the rules under test:
 * the request repository refuses a transition the domain's table does not allow and applies
 * the same version/status condition as the DynamoDB adapter; approval links are consumed once;
 * a callback token that was answered (or marked closed) refuses a second answer, as Step
 * Functions does. Every write, message and workflow call is recorded for the tests to assert.
 */
import { createMemoryDeduper } from './memory-deduper';
import { createLocalIamStandin } from '../../local/iam-standin';
import { createSessionDenies } from '../../shared/adapters/iam/session-denies';
import type { EndedSession } from '../../shared/domain/session-deny';
import { SERVICES } from '../../shared/catalogue/services';
import type { Catalogue, Target } from '../../shared/catalogue/types';
import type { Caller } from '../../shared/domain/identity';
import { HistoryType, type AccessRequest, type HistoryEntry } from '../../shared/domain/request';
import { historyPage, latestHistory, storedApart } from '../../shared/domain/history';
import type { OpenClaim } from '../../shared/domain/limits';
import { assertTransition, isFinal, RequestStatus } from '../../shared/domain/status';
import type { LogFields, Logger, LogLevel } from '../../shared/log/logger';
import type {
  ConsoleUrlInput,
  IssueCredentialsInput,
  IssuedCredentials,
  Mail,
  OutgoingMessage,
  SealedSecret,
  WorkflowDecision,
} from '../../shared/ports';
import {
  StaleWriteError,
  type ApprovalLink,
  type ListOptions,
  type Page,
  type RequestPatch,
  type RequestUpdate,
  type StoredCredentials,
} from '../../shared/ports/repositories';
import { workflowTaskClosedError } from '../../shared/workflow/errors';
import type { AccessWaitOutput } from '../../shared/workflow/payloads';

export const FAKE_NOW = '2030-01-01T09:00:00.000Z';
export const PUBLIC_BASE_URL = 'https://broker.example.test';

/** Callers the tests use; emails as the authorizer would hand them (lower-cased). */
export const CALLERS: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'mallory', Caller> = {
  alice: { sub: 'alice', email: 'alice@example.com', groups: ['engineers'] },
  bob: { sub: 'bob', email: 'bob@example.com', groups: ['engineers'] },
  carol: { sub: 'carol', email: 'carol@example.com', groups: ['engineers', 'approvers'] },
  dave: { sub: 'dave', email: 'dave@example.com', groups: ['approvers'] },
  erin: { sub: 'erin', email: 'erin@example.com', groups: ['approvers'] },
  mallory: { sub: 'mallory', email: 'mallory@example.com', groups: ['contractors'] },
};

function target(overrides: Partial<Target> & Pick<Target, 'id'>): Target {
  return {
    account: '111111111111',
    roleArn: `arn:aws:iam::111111111111:role/${overrides.id}`,
    partition: 'aws',
    region: 'eu-west-1',
    issuer: 'chained',
    roleMaxSessionSeconds: 3600,
    maxDurationSeconds: 4 * 3600,
    services: ['ec2', 'cloudwatch', 'databases'],
    requesterGroups: ['engineers'],
    approverEmails: ['carol@example.com', 'dave@example.com'],
    approverGroups: ['approvers'],
    approvalsRequired: 1,
    approvalTimeoutSeconds: 3600,
    maxScheduleAheadSeconds: 7 * 24 * 3600,
    maxExtensions: 2,
    reminders: true,
    ...overrides,
  };
}

/** Three targets: one approver needed, two approvers needed, and one with an auto-approval rule. */
export function fakeCatalogue(): Catalogue {
  return {
    services: [...SERVICES],
    targets: [
      target({ id: 'sandbox-readonly', description: 'Sandbox, read only' }),
      target({
        id: 'prod-readonly',
        account: '222222222222',
        roleArn: 'arn:aws:iam::222222222222:role/prod-readonly',
        approverEmails: ['carol@example.com', 'dave@example.com', 'erin@example.com'],
        approvalsRequired: 2,
      }),
      target({ id: 'sandbox-auto', autoApprove: { services: ['ec2'], maxDurationSeconds: 3600 } }),
    ],
    watchedRoles: [],
    operatorGroups: ['security'],
  };
}

let requestSeq = 0;

/** A stored request as the domain builds it: PENDING, version 1, alice asking for sandbox-readonly. */
export function aRequest(overrides: Partial<AccessRequest> = {}): AccessRequest {
  const id = overrides.id ?? `01J0000000000000000000${String(++requestSeq).padStart(4, '0')}`;
  return {
    id,
    status: RequestStatus.PENDING,
    version: 1,
    requester: { sub: 'alice', email: 'alice@example.com' },
    target: 'sandbox-readonly',
    account: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/sandbox-readonly',
    services: ['ec2'],
    durationSeconds: 3600,
    reason: 'debugging INC-4411 in the sandbox',
    ticket: 'INC-4411',
    createdAt: FAKE_NOW,
    updatedAt: FAKE_NOW,
    approvalsRequired: 1,
    approverEmails: ['carol@example.com', 'dave@example.com'],
    approverGroups: ['approvers'],
    approvals: [],
    history: [{ at: FAKE_NOW, type: HistoryType.SUBMITTED, by: 'alice@example.com' }],
    ...overrides,
  };
}

/** One status-or-field write the repository accepted. */
export interface RecordedWrite {
  id: string;
  from: RequestStatus;
  /** The status written, when the write set one. */
  to?: RequestStatus;
  set: RequestPatch;
  append: HistoryEntry[];
  taskToken?: string | null;
}

export interface FakePortsOptions {
  now?: string;
  catalogue?: Catalogue;
  requests?: AccessRequest[];
  /** Task tokens stored with requests, by request id. */
  taskTokens?: Record<string, string>;
  links?: ApprovalLink[];
  credentials?: StoredCredentials[];
}

const clone = <T>(value: T): T => structuredClone(value);

/** All ports in memory, plus what the tests need to arrange and inspect them. */
export function fakePorts(options: FakePortsOptions = {}) {
  let now = new Date(options.now ?? FAKE_NOW);
  const requests = new Map<string, { request: AccessRequest; taskToken?: string }>();
  for (const r of options.requests ?? []) {
    const token = options.taskTokens?.[r.id];
    requests.set(r.id, { request: clone(r), ...(token ? { taskToken: token } : {}) });
  }
  const links = new Map((options.links ?? []).map((l) => [l.tokenHash, clone(l)]));
  const credentials = new Map<string, { stored: StoredCredentials; windowEndsAt: string }>(
    (options.credentials ?? []).map((c) => [c.requestId, { stored: clone(c), windowEndsAt: '' }]),
  );

  /** What happened, in order, for the tests to assert. */
  const recorded = {
    writes: [] as RecordedWrite[],
    historyAppends: [] as { id: string; entries: HistoryEntry[] }[],
    /** Alarms published to SNS. */
    published: [] as OutgoingMessage[],
    /** Mail sent to people (approvers' links, requesters' outcomes). */
    mailed: [] as Mail[],
    started: [] as { requestId: string; approvalTimeoutSeconds: number }[],
    decisionsSent: [] as { taskToken: string; output: WorkflowDecision }[],
    aborted: [] as { taskToken: string; error: string; cause: string }[],
    waitsResumed: [] as { taskToken: string; output: AccessWaitOutput }[],
    issued: [] as IssueCredentialsInput[],
    signIns: [] as ConsoleUrlInput[],
    credentialsDeleted: [] as string[],
    sessionsEnded: [] as { roleArn: string; entries: EndedSession[]; at: string }[],
    logs: [] as { level: LogLevel; msg: string; fields?: LogFields }[],
  };

  /** Set an error here to make the next calls of that port operation fail with it. */
  const failures: {
    start?: Error;
    sendDecision?: Error;
    abort?: Error;
    resumeAccessWait?: Error;
    issue?: Error;
    publish?: Error;
    mail?: Error;
    endSessions?: Error;
  } = {};

  /** Callback tokens that no longer accept an answer (answered, aborted, timed out). */
  const closedTokens = new Set<string>();
  /** Runs once just before the next conditional update is judged: simulates a concurrent writer. */
  let beforeNextUpdate: (() => void) | undefined;

  const clock = {
    now: () => new Date(now),
    set(iso: string) {
      now = new Date(iso);
    },
    advance(seconds: number) {
      now = new Date(now.getTime() + seconds * 1000);
    },
  };

  const logger: Logger = {
    debug: (msg, fields) => void recorded.logs.push({ level: 'debug', msg, ...(fields ? { fields } : {}) }),
    info: (msg, fields) => void recorded.logs.push({ level: 'info', msg, ...(fields ? { fields } : {}) }),
    warn: (msg, fields) => void recorded.logs.push({ level: 'warn', msg, ...(fields ? { fields } : {}) }),
    error: (msg, fields) => void recorded.logs.push({ level: 'error', msg, ...(fields ? { fields } : {}) }),
    child: () => logger,
  };

  function listed(items: AccessRequest[], options: ListOptions): Page {
    const matching = items
      .filter((r) => (!options.status || r.status === options.status) && (!options.before || r.id < options.before))
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const page = matching.slice(0, options.limit).map(clone);
    return matching.length > options.limit ? { items: page, last: page.at(-1)!.id } : { items: page };
  }

  const limitRows = {
    open: new Map<string, { claims: OpenClaim[]; version: number }>(),
    rate: new Map<string, number>(),
    auto: new Map<string, { requestId: string; until: string }>(),
  };

  let idSeq = 0;
  let keySeq = 0;
  const catalogue = options.catalogue ?? fakeCatalogue();
  // The real read-merge-write deny logic over the local IAM stand-in's target roles.
  const iam = createLocalIamStandin({ roles: [...new Set(catalogue.targets.map((t) => t.roleArn))] });
  const denies = createSessionDenies({ policiesFor: iam.policiesFor });

  return {
    settings: {
      stage: 'test',
      publicBaseUrl: PUBLIC_BASE_URL,
      groupsClaim: 'groups',
      requireVerifiedEmail: true,
      issuerPrincipalArns: [] as string[],
    },
    catalogue,
    clock,
    newId: () => `01J9NEWREQUEST00000000${String(++idSeq).padStart(4, '0')}`,
    logger,

    requests: {
      async create(request: AccessRequest) {
        if (requests.has(request.id)) throw new StaleWriteError(request.id);
        requests.set(request.id, { request: clone(request) });
      },
      /** As the DynamoDB repository: entries stored apart are not part of the request read. */
      async get(id: string) {
        const row = requests.get(id);
        return row ? { ...clone(row.request), history: clone(row.request.history.filter((e) => !storedApart(e))) } : undefined;
      },
      async getWithLatestHistory(id: string, count: number) {
        const row = requests.get(id);
        if (!row) return undefined;
        const latest = latestHistory(row.request.history, [], count);
        return { request: { ...clone(row.request), history: clone(latest.entries) }, more: latest.more };
      },
      async historyPage(id: string, options: { after?: string; limit: number }) {
        const row = requests.get(id);
        return row ? clone(historyPage(row.request.history, [], options.after, options.limit)) : undefined;
      },
      async getTaskToken(id: string) {
        return requests.get(id)?.taskToken;
      },
      async getWithTaskToken(id: string) {
        const row = requests.get(id);
        if (!row) return undefined;
        return { request: clone(row.request), ...(row.taskToken ? { taskToken: row.taskToken } : {}) };
      },
      async update(id: string, update: RequestUpdate) {
        assertTransition(update.expectedStatus, update.set.status, id);
        const hook = beforeNextUpdate;
        beforeNextUpdate = undefined;
        hook?.();
        const row = requests.get(id);
        if (!row || row.request.version !== update.expectedVersion || row.request.status !== update.expectedStatus) {
          throw new StaleWriteError(id);
        }
        const next: Record<string, unknown> = { ...row.request };
        for (const [field, value] of Object.entries(update.set)) {
          if (value === undefined) delete next[field];
          else next[field] = clone(value);
        }
        const request = next as unknown as AccessRequest;
        request.version = row.request.version + 1;
        request.updatedAt = update.at;
        request.history = [...row.request.history, ...clone(update.append)];
        const taskToken = update.taskToken === undefined ? row.taskToken : (update.taskToken ?? undefined);
        requests.set(id, { request, ...(taskToken ? { taskToken } : {}) });
        recorded.writes.push({
          id,
          from: update.expectedStatus,
          ...(update.set.status ? { to: update.set.status } : {}),
          set: clone(update.set),
          append: clone(update.append),
          ...(update.taskToken !== undefined ? { taskToken: update.taskToken } : {}),
        });
        return clone(request);
      },
      async appendHistory(id: string, entries: HistoryEntry[]) {
        if (entries.length === 0) return;
        const row = requests.get(id);
        if (!row) throw new Error(`no request ${id}`);
        row.request.history.push(...clone(entries));
        recorded.historyAppends.push({ id, entries: clone(entries) });
      },
      async listByRequester(sub: string, options: ListOptions) {
        return listed([...requests.values()].map((r) => r.request).filter((r) => r.requester.sub === sub), options);
      },
      async listOpen(options: { after?: string; limit: number }) {
        const open = [...requests.values()]
          .map((r) => r.request)
          .filter((r) => !isFinal(r.status) && (options.after === undefined || r.id > options.after))
          .sort((a, b) => (a.id < b.id ? -1 : 1));
        const items = open.slice(0, options.limit).map(clone);
        return open.length > options.limit ? { items, last: items.at(-1)!.id } : { items };
      },
      async listByTargets(targets: string[], options: ListOptions) {
        return listed([...requests.values()].map((r) => r.request).filter((r) => targets.includes(r.target)), options);
      },
    },

    /** In memory, with the DynamoDB store's conditions. */
    limits: {
      async openClaims(sub: string, target: string) {
        const row = limitRows.open.get(`${target}#${sub}`);
        return { claims: clone(row?.claims ?? []), version: row?.version ?? 0 };
      },
      async replaceOpenClaims(sub: string, target: string, expectedVersion: number, claims: OpenClaim[]) {
        const key = `${target}#${sub}`;
        if ((limitRows.open.get(key)?.version ?? 0) !== expectedVersion) return false;
        limitRows.open.set(key, { claims: clone(claims), version: expectedVersion + 1 });
        return true;
      },
      async countSubmission(sub: string, windowStart: string, limit: number) {
        const key = `${windowStart}#${sub}`;
        const count = limitRows.rate.get(key) ?? 0;
        if (count >= limit) return false;
        limitRows.rate.set(key, count + 1);
        return true;
      },
      async claimAutoApproval(sub: string, target: string, requestId: string, at: string, until: string) {
        const key = `${target}#${sub}`;
        const held = limitRows.auto.get(key);
        if (held && held.until > at && held.requestId !== requestId) return false;
        limitRows.auto.set(key, { requestId, until });
        return true;
      },
      async releaseAutoApproval(sub: string, target: string, requestId: string, at: string) {
        const held = limitRows.auto.get(`${target}#${sub}`);
        if (held?.requestId === requestId) held.until = at;
      },
    },

    links: {
      async put(link: ApprovalLink) {
        links.set(link.tokenHash, clone(link));
      },
      async get(tokenHash: string) {
        const link = links.get(tokenHash);
        return link ? clone(link) : undefined;
      },
      async markUsed(tokenHash: string, at: string) {
        const link = links.get(tokenHash);
        if (!link || link.usedAt) return false;
        link.usedAt = at;
        return true;
      },
    },

    credentials: {
      async put(stored: StoredCredentials, windowEndsAt: string) {
        credentials.set(stored.requestId, { stored: clone(stored), windowEndsAt });
      },
      async get(requestId: string) {
        const row = credentials.get(requestId);
        return row ? clone(row.stored) : undefined;
      },
      async delete(requestId: string) {
        credentials.delete(requestId);
        recorded.credentialsDeleted.push(requestId);
      },
    },

    events: createMemoryDeduper().deduper,

    workflow: {
      async start(input: { requestId: string; approvalTimeoutSeconds: number }) {
        if (failures.start) throw failures.start;
        recorded.started.push(input);
        return `arn:aws:states:eu-west-1:999999999999:execution:broker-approval:${input.requestId}`;
      },
      async sendDecision(taskToken: string, output: WorkflowDecision) {
        if (failures.sendDecision) throw failures.sendDecision;
        if (closedTokens.has(taskToken)) throw workflowTaskClosedError();
        closedTokens.add(taskToken);
        recorded.decisionsSent.push({ taskToken, output: clone(output) });
      },
      async resumeAccessWait(taskToken: string, output: AccessWaitOutput): Promise<'resumed' | 'closed'> {
        if (failures.resumeAccessWait) throw failures.resumeAccessWait;
        if (closedTokens.has(taskToken)) return 'closed';
        closedTokens.add(taskToken);
        recorded.waitsResumed.push({ taskToken, output: clone(output) });
        return 'resumed';
      },
      async abort(taskToken: string, error: string, cause: string) {
        if (failures.abort) throw failures.abort;
        if (closedTokens.has(taskToken)) throw workflowTaskClosedError();
        closedTokens.add(taskToken);
        recorded.aborted.push({ taskToken, error, cause });
      },
    },

    notifier: {
      async publish(message: OutgoingMessage) {
        if (failures.publish) throw failures.publish;
        recorded.published.push(clone(message));
        return { messageId: `msg-${recorded.published.length}` };
      },
    },

    mailer: {
      async send(mail: Mail) {
        if (failures.mail) throw failures.mail;
        recorded.mailed.push(clone(mail));
        return { messageId: `mail-${recorded.mailed.length}` };
      },
    },

    issuer: {
      async issue(input: IssueCredentialsInput): Promise<IssuedCredentials> {
        if (failures.issue) throw failures.issue;
        recorded.issued.push(clone(input));
        const n = ++keySeq;
        return {
          accessKeyId: `ASIAFAKE${String(n).padStart(12, '0')}`,
          secretAccessKey: `secret-${n}`,
          sessionToken: `session-${n}`,
          expiration: new Date(now.getTime() + input.durationSeconds * 1000).toISOString(),
          chained: input.issuer === 'chained',
        };
      },
    },

    signIn: {
      async signInUrl(input: ConsoleUrlInput) {
        recorded.signIns.push(clone(input));
        return `https://signin.aws.amazon.com/federation?Action=login&Destination=${encodeURIComponent(input.destination)}`;
      },
    },

    vault: {
      /** Not encryption: binds the plaintext to the request id so a mix-up fails as the real vault would. */
      async seal(requestId: string, plaintext: string): Promise<SealedSecret> {
        return { encryptedKey: 'fake', iv: requestId, ciphertext: Buffer.from(plaintext).toString('base64'), tag: 'fake', keyId: 'fake-key' };
      },
      async open(requestId: string, sealed: SealedSecret) {
        if (sealed.iv !== requestId) throw new Error('sealed for another request');
        return Buffer.from(sealed.ciphertext, 'base64').toString('utf8');
      },
    },

    sessionDenies: {
      async endSessions(roleArn: string, entries: readonly EndedSession[], at: Date) {
        if (failures.endSessions) throw failures.endSessions;
        recorded.sessionsEnded.push({ roleArn, entries: clone([...entries]), at: at.toISOString() });
        return denies.endSessions(roleArn, entries, at);
      },
    },

    // --- for the tests ---
    recorded,
    /** The IAM stand-in holding the catalogue's target roles (where the denies are written). */
    iam,
    failures,
    /** Marks a callback token as no longer waiting (the workflow timed out or moved on). */
    closeToken(taskToken: string) {
      closedTokens.add(taskToken);
    },
    /** Runs `change` on the stored request just before the next update is judged (a concurrent writer). */
    raceNextUpdate(id: string, change: (request: AccessRequest) => void) {
      beforeNextUpdate = () => {
        const row = requests.get(id)!;
        change(row.request);
        row.request.version += 1;
      };
    },
    /** The stored request (a copy). */
    stored(id: string): AccessRequest | undefined {
      const row = requests.get(id);
      return row ? clone(row.request) : undefined;
    },
    storedTaskToken(id: string): string | undefined {
      return requests.get(id)?.taskToken;
    },
    storedLink(tokenHash: string): ApprovalLink | undefined {
      const link = links.get(tokenHash);
      return link ? clone(link) : undefined;
    },
    storedCredentials(requestId: string) {
      const row = credentials.get(requestId);
      return row ? clone(row) : undefined;
    },
  };
}

export type FakePorts = ReturnType<typeof fakePorts>;
