/**
 * The read-merge-write of AccessBrokerEndedSessions (shared/adapters/iam/session-denies.ts),
 * run against the local IAM stand-in, which enforces IAM's rules for these calls.
 */
import { describe, expect, it } from 'vitest';
import { createSessionDenies } from '../../shared/adapters/iam/session-denies';
import { SessionDenyTooLargeError, SESSION_DENY_POLICY_NAME } from '../../shared/domain/session-deny';
import type { RoleInlinePolicies, RoleInlinePoliciesFor } from '../../shared/ports/session-denies';
import { createLocalIamStandin, stringLike } from '../../local/iam-standin';

const ROLE = 'arn:aws:iam::111111111111:role/BrokerReadOnly';
const OTHER_ROLE = 'arn:aws:iam::222222222222:role/team/TeamReadOnly';
const NOW = new Date('2026-11-29T00:10:00Z');
const A = '01JNKQ7R8W3V5X2Y4Z6A8B0C1D';
const B = '01JNKQ7R8W3V5X2Y4Z6A8B0C1E';
const C = '01JNKQ9ZZZ3V5X2Y4Z6A8B0C1F';
const at = (iso: string) => new Date(iso);
const base = { Version: '2012-10-17', Statement: [{ Sid: 'EC2', Effect: 'Allow', Action: 'ec2:Describe*', Resource: '*' }] };

function setup() {
  const iam = createLocalIamStandin({ roles: [OTHER_ROLE] });
  iam.addRole(ROLE, { BrokerReadOnlyBase: base });
  return { iam, denies: createSessionDenies({ policiesFor: iam.policiesFor }) };
}

const userIds = (iam: ReturnType<typeof setup>['iam'], role = ROLE) => {
  const doc = iam.view().roles[role]!.inlinePolicies[SESSION_DENY_POLICY_NAME] as { Statement: { Condition: { StringLike: { 'aws:userid': string[] } } }[] } | undefined;
  return doc ? doc.Statement.flatMap((s) => s.Condition.StringLike['aws:userid']) : [];
};

describe('endSessions on the local IAM stand-in', () => {
  it('writes the deny for the ended session only, visible in the GET /_local/iam view', async () => {
    const { iam, denies } = setup();
    const result = await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    expect(result).toEqual({ roleArn: ROLE, listed: 1, pruned: 0, outcome: 'written', totalChars: expect.any(Number), attempts: 1 });
    expect(iam.view()).toEqual({
      roles: {
        [ROLE]: {
          inlinePolicies: {
            [SESSION_DENY_POLICY_NAME]: {
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'EndedUntil202611290115',
                  Effect: 'Deny',
                  Action: '*',
                  Resource: '*',
                  Condition: { StringLike: { 'aws:userid': [`*:${A}`] } },
                },
              ],
            },
            BrokerReadOnlyBase: base,
          },
        },
        [OTHER_ROLE]: { inlinePolicies: {} },
      },
    });
    expect(result.totalChars).toBe(JSON.stringify(base).length + JSON.stringify(iam.view().roles[ROLE]!.inlinePolicies[SESSION_DENY_POLICY_NAME]).length);
    expect(iam.isSessionDenied(ROLE, A)).toBe(true);
    expect(iam.isSessionDenied(ROLE, B)).toBe(false);
    expect(iam.isSessionDenied(OTHER_ROLE, A)).toBe(false);
  });

  it('is idempotent: the same call again changes nothing', async () => {
    const { iam, denies } = setup();
    await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    const before = iam.view();
    const again = await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    expect(again.outcome).toBe('unchanged');
    expect(iam.view()).toEqual(before);
  });

  it('adds to what is there, prunes expired entries, and deletes the policy once empty', async () => {
    const { iam, denies } = setup();
    await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T00:20:00Z') }], NOW);
    const second = await denies.endSessions(ROLE, [{ requestId: B, until: at('2026-11-29T02:00:00Z') }], at('2026-11-29T00:15:00Z'));
    expect(second).toMatchObject({ listed: 2, pruned: 0, outcome: 'written' });
    expect(userIds(iam)).toEqual([`*:${A}`, `*:${B}`]);

    const pruneA = await denies.endSessions(ROLE, [], at('2026-11-29T00:30:00Z'));
    expect(pruneA).toMatchObject({ listed: 1, pruned: 1, outcome: 'written' });
    expect(userIds(iam)).toEqual([`*:${B}`]);
    expect(iam.isSessionDenied(ROLE, A)).toBe(false);

    const pruneAll = await denies.endSessions(ROLE, [], at('2026-11-29T02:15:00Z'));
    expect(pruneAll).toMatchObject({ listed: 0, pruned: 1, outcome: 'deleted' });
    expect(Object.keys(iam.view().roles[ROLE]!.inlinePolicies)).toEqual(['BrokerReadOnlyBase']);
    expect(await denies.endSessions(ROLE, [], at('2026-11-29T03:00:00Z'))).toMatchObject({ outcome: 'unchanged', listed: 0 });
  });

  it('keeps foreign statements an operator added to the policy', async () => {
    const { iam, denies } = setup();
    const manual = { Sid: 'Manual', Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:userid': '*:mallory' } } };
    iam.addRole(ROLE, { [SESSION_DENY_POLICY_NAME]: { Version: '2012-10-17', Statement: [manual] } });
    await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    const doc = iam.view().roles[ROLE]!.inlinePolicies[SESSION_DENY_POLICY_NAME] as { Statement: unknown[] };
    expect(doc.Statement).toHaveLength(2);
    expect(doc.Statement[1]).toEqual(manual);
    expect(iam.isSessionDenied(ROLE, 'mallory')).toBe(true);
    // Pruning everything of ours leaves the operator's statement.
    expect(await denies.endSessions(ROLE, [], at('2026-11-29T05:00:00Z'))).toMatchObject({ outcome: 'written', listed: 0 });
    expect((iam.view().roles[ROLE]!.inlinePolicies[SESSION_DENY_POLICY_NAME] as { Statement: unknown[] }).Statement).toEqual([manual]);
  });

  it('refuses over the budget, naming role, size, budget and sessions, and writes nothing', async () => {
    const iam = createLocalIamStandin();
    const big = { Version: '2012-10-17', Statement: [{ Sid: 'Big', Effect: 'Allow', Action: 'ec2:Describe*', Resource: 'x'.repeat(10_000) }] };
    iam.addRole(ROLE, { Big: big });
    const denies = createSessionDenies({ policiesFor: iam.policiesFor });
    const call = denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    await expect(call).rejects.toBeInstanceOf(SessionDenyTooLargeError);
    await expect(denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW)).rejects.toThrow(
      /Cannot write AccessBrokerEndedSessions on arn:aws:iam::111111111111:role\/BrokerReadOnly: the role's inline policies would total 10\d{3} characters with 1 ended sessions listed, over IAM's 10240-character budget/,
    );
    expect(Object.keys(iam.view().roles[ROLE]!.inlinePolicies)).toEqual(['Big']);
  });

  it('names an unknown role, and refuses a bad request id before any IAM call', async () => {
    const { denies } = setup();
    await expect(denies.endSessions('arn:aws:iam::111111111111:role/Gone', [], NOW)).rejects.toMatchObject({
      code: 'SESSION_DENY_ROLE_NOT_FOUND',
      message: expect.stringContaining('IAM has no role arn:aws:iam::111111111111:role/Gone'),
    });
    await expect(denies.endSessions(ROLE, [{ requestId: '*', until: at('2026-11-29T01:00:00Z') }], NOW)).rejects.toThrow(/request id/);
    await expect(denies.endSessions('not-an-arn', [], NOW)).rejects.toThrow(/roleArn must be an IAM role ARN/);
  });
});

/** Wraps a role's policies so another writer overwrites ours right after each of our first `times` puts. */
function racing(policiesFor: RoleInlinePoliciesFor, times: number, theirs: () => Promise<void>): RoleInlinePoliciesFor & { puts: number } {
  const wrapped = Object.assign(
    async (roleArn: string): Promise<RoleInlinePolicies> => {
      const inner = await policiesFor(roleArn);
      return {
        ...inner,
        async put(name, document) {
          await inner.put(name, document);
          wrapped.puts++;
          if (wrapped.puts <= times) await theirs();
        },
      };
    },
    { puts: 0 },
  );
  return wrapped;
}

describe('concurrent writers (IAM has no conditional put)', () => {
  it('re-reads after writing and merges again when another writer replaced the policy', async () => {
    const { iam } = setup();
    // The other writer read before our write (it knows only C) and writes after it.
    const rogue = createSessionDenies({ policiesFor: iam.policiesFor });
    const policiesFor = racing(iam.policiesFor, 1, async () => {
      const inner = await iam.policiesFor(ROLE);
      await inner.delete(SESSION_DENY_POLICY_NAME);
      await rogue.endSessions(ROLE, [{ requestId: C, until: at('2026-11-29T01:00:00Z') }], NOW);
    });
    const denies = createSessionDenies({ policiesFor });
    const result = await denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW);
    expect(result).toMatchObject({ outcome: 'written', attempts: 2, listed: 2 });
    expect(userIds(iam)).toEqual([`*:${A}`, `*:${C}`]);
  });

  it('gives up with a retryable error when it is overwritten every round', async () => {
    const { iam } = setup();
    const policiesFor = racing(iam.policiesFor, 99, async () => {
      await (await iam.policiesFor(ROLE)).delete(SESSION_DENY_POLICY_NAME);
    });
    const denies = createSessionDenies({ policiesFor, maxAttempts: 3 });
    await expect(denies.endSessions(ROLE, [{ requestId: A, until: at('2026-11-29T01:00:00Z') }], NOW)).rejects.toMatchObject({
      code: 'SESSION_DENY_NOT_CONVERGED',
      name: 'Broker.Transient',
      retryable: true,
    });
    expect(policiesFor.puts).toBe(3);
  });

  it('serialises the writes of one process to one role: three at once take one round each', async () => {
    const { iam, denies } = setup();
    const ids = [A, B, C];
    const results = await Promise.all(ids.map((id) => denies.endSessions(ROLE, [{ requestId: id, until: at('2026-11-29T01:00:00Z') }], NOW)));
    expect(results.map((r) => r.attempts)).toEqual([1, 1, 1]);
    expect(userIds(iam)).toEqual(ids.map((id) => `*:${id}`));
  });

  it('converges when three writers in separate processes (Lambda containers) end sessions on one role at the same time', async () => {
    const { iam } = setup();
    const ids = [A, B, C];
    // One adapter per "container": only IAM is shared, so their calls interleave at await points.
    const containers = ids.map(() => createSessionDenies({ policiesFor: iam.policiesFor }));
    const results = await Promise.all(ids.map((id, i) => containers[i]!.endSessions(ROLE, [{ requestId: id, until: at('2026-11-29T01:00:00Z') }], NOW)));
    // Writers overwrite each other and re-merge (more than one round); merge-and-verify still lists all three.
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThan(1);
    expect(userIds(iam)).toEqual(ids.map((id) => `*:${id}`));
  });
});

describe('the local IAM stand-in', () => {
  it('enforces IAM: unknown role, malformed document, the 10,240-character budget', async () => {
    const iam = createLocalIamStandin({ roles: [ROLE] });
    await expect((await iam.policiesFor(OTHER_ROLE)).list()).rejects.toMatchObject({ code: 'SESSION_DENY_ROLE_NOT_FOUND' });
    const policies = await iam.policiesFor(ROLE);
    await expect(policies.put('P', '{')).rejects.toMatchObject({ code: 'SESSION_DENY_MALFORMED' });
    await expect(policies.put('P', '{"Version":"2012-10-17"}')).rejects.toMatchObject({ code: 'SESSION_DENY_MALFORMED' });
    const sized = (n: number) => JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'a:b', Resource: 'x'.repeat(n) }] });
    const overhead = sized(0).length;
    await policies.put('P', sized(10_240 - overhead));
    await expect(policies.put('Q', '{"Statement":[]}')).rejects.toMatchObject({ code: 'SESSION_DENY_LIMIT_EXCEEDED' });
    await policies.put('P', sized(10_240 - overhead - 16));
    await policies.put('Q', '{"Statement":[]}');
    expect(await policies.list()).toEqual(['P', 'Q']);
    await policies.delete('P');
    await policies.delete('P');
    expect(await policies.list()).toEqual(['Q']);
  });

  it('gives each role a stable AROA id and evaluates aws:userid against it', () => {
    const iam = createLocalIamStandin({ roles: [ROLE] });
    expect(iam.roleId(ROLE)).toMatch(/^AROA[A-Z2-7]{17}$/);
    expect(iam.roleId(ROLE)).toBe(createLocalIamStandin().roleId(ROLE));
    expect(iam.roleId(ROLE)).not.toBe(iam.roleId(OTHER_ROLE));
    iam.addRole(ROLE, {
      Pinned: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:userid': `${iam.roleId(ROLE)}:${A}` } } }] },
      Other: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { StringLike: { 'aws:userid': `AROAOTHER:${B}` } } }] },
      Narrow: { Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringLike: { 'aws:userid': `*:${C}` } } }] },
    });
    expect(iam.isSessionDenied(ROLE, A)).toBe(true);
    expect(iam.isSessionDenied(ROLE, B)).toBe(false);
    expect(iam.isSessionDenied(ROLE, C)).toBe(false);
    expect(iam.isSessionDenied('arn:aws:iam::111111111111:role/Unknown', A)).toBe(false);
  });

  it.each([
    ['*:ABC', 'AROAX:ABC', true],
    ['*:ABC', 'AROAX:XABC', false],
    ['*:ABC', 'AROAX:ABCX', false],
    ['*:ABC', 'AROAX:abc', false],
    ['*:A?C', 'AROAX:ABC', true],
    ['*:A.C', 'AROAX:ABC', false],
    ['*', 'anything', true],
  ])('StringLike %j on %j is %s', (pattern, value, expected) => {
    expect(stringLike(pattern, value)).toBe(expected);
  });
});
