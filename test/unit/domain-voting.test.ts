import { describe, expect, it } from 'vitest';
import { votingApprovers } from '../../shared/domain/authorization';
import { DomainError } from '../../shared/domain/errors';
import { mailbox, sameMailbox } from '../../shared/domain/identity';
import type { AccessRequest, Approval } from '../../shared/domain/request';
import { approvalCount, approverAddressFor, castVote, isRecordedVote, tally } from '../../shared/domain/voting';

const AT = '2026-01-01T00:00:00.000Z';
const approve = (by: string): Approval => ({ by, decision: 'approve', at: AT });
const deny = (by: string): Approval => ({ by, decision: 'deny', at: AT });

describe('mailbox', () => {
  it.each([
    ['case', 'Carol@Example.COM', 'carol@example.com'],
    ['plus tag', 'carol+prod@example.com', 'carol@example.com'],
    ['several plus signs', 'carol+a+b@example.com', 'carol@example.com'],
    ['trailing dot on the domain', 'carol@example.com.', 'carol@example.com'],
    ['all of them at once', '  CAROL+Prod@Example.Com. ', 'carol@example.com'],
    ['already canonical', 'carol@example.com', 'carol@example.com'],
    ['a plus sign in the domain is not a tag', 'carol@ex+ample.com', 'carol@ex+ample.com'],
  ])('%s: %s -> %s', (_name, input, expected) => {
    expect(mailbox(input)).toBe(expected);
  });

  it.each([
    ['carol@example.com', 'carol+prod@example.com', true],
    ['carol@example.com', 'CAROL@example.com.', true],
    ['carol@example.com', 'carol@example.org', false],
    ['carol@example.com', 'carolyn@example.com', false],
    ['carol@example.com', 'carol@sub.example.com', false],
  ])('sameMailbox(%s, %s) is %s', (a, b, expected) => {
    expect(sameMailbox(a, b)).toBe(expected);
  });
});

describe('tally: deny wins, quorum by distinct mailbox', () => {
  it.each<[string, Approval[], number, string, number]>([
    ['no votes', [], 1, 'PENDING', 0],
    ['one approval meets a quorum of one', [approve('dave@example.com')], 1, 'APPROVED', 1],
    ['one approval of two required', [approve('dave@example.com')], 2, 'PENDING', 1],
    ['two people meet a quorum of two', [approve('dave@example.com'), approve('erin@example.com')], 2, 'APPROVED', 2],
    ['two aliases of one mailbox count once', [approve('carol@example.com'), approve('carol+prod@example.com')], 2, 'PENDING', 1],
    ['case and trailing dot are the same mailbox', [approve('Erin@Example.com'), approve('erin@example.com.')], 2, 'PENDING', 1],
    ['a denial decides alone', [deny('dave@example.com')], 2, 'DENIED', 0],
    ['deny wins over a met quorum', [approve('dave@example.com'), approve('erin@example.com'), deny('frank@example.com')], 2, 'DENIED', 2],
  ])('%s', (_name, approvals, required, expected, count) => {
    expect(tally(approvals, required)).toBe(expected);
    expect(approvalCount(approvals)).toBe(count);
  });
});

describe('castVote', () => {
  const base: Pick<AccessRequest, 'id' | 'status' | 'requester' | 'approvals' | 'approvalsRequired'> = {
    id: 'r1',
    status: 'PENDING',
    requester: { sub: 'carol', email: 'carol@example.com' },
    approvals: [],
    approvalsRequired: 2,
  };

  it.each<{
    name: string;
    given: Partial<typeof base>;
    vote: Approval;
    status?: string;
    decided?: boolean;
    error?: string;
  }>([
    { name: 'a first approval leaves it pending', given: {}, vote: approve('dave@example.com'), status: 'PENDING', decided: false },
    { name: 'the approval that reaches quorum approves', given: { approvals: [approve('dave@example.com')] }, vote: approve('erin@example.com'), status: 'APPROVED', decided: true },
    { name: 'a denial denies at once', given: { approvals: [approve('dave@example.com')] }, vote: deny('erin@example.com'), status: 'DENIED', decided: true },
    { name: 'the requester cannot vote', given: {}, vote: approve('carol@example.com'), error: 'SELF_APPROVAL' },
    { name: 'nor through a plus alias', given: {}, vote: approve('carol+prod@example.com'), error: 'SELF_APPROVAL' },
    { name: 'nor with another case and a trailing dot', given: {}, vote: deny('CAROL@example.com.'), error: 'SELF_APPROVAL' },
    { name: 'one vote per mailbox: the same address again', given: { approvals: [approve('dave@example.com')] }, vote: approve('dave@example.com'), error: 'ALREADY_VOTED' },
    { name: 'one vote per mailbox: an alias of a voter', given: { approvals: [approve('dave@example.com')] }, vote: approve('dave+prod@example.com'), error: 'ALREADY_VOTED' },
    { name: 'an alias cannot turn an approval into a denial', given: { approvals: [approve('dave@example.com')] }, vote: deny('Dave@Example.com.'), error: 'ALREADY_VOTED' },
    { name: 'a request no longer pending takes no votes', given: { status: 'CANCELLED' }, vote: approve('dave@example.com'), error: 'ALREADY_DECIDED' },
    { name: 'an approved request takes no more votes', given: { status: 'APPROVED' }, vote: deny('erin@example.com'), error: 'ALREADY_DECIDED' },
  ])('$name', ({ given, vote, status, decided, error }) => {
    const request = { ...base, ...given };
    if (error) {
      let thrown: unknown;
      try {
        castVote(request, vote);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(DomainError);
      expect((thrown as DomainError).code).toBe(error);
      return;
    }
    const result = castVote(request, vote);
    expect(result.status).toBe(status);
    expect(result.decided).toBe(decided);
    expect(result.approvals).toEqual([...request.approvals, vote]);
  });

  it.each<[string, Approval, number, object[]]>([
    ['an approval below quorum', approve('dave@example.com'), 2, [{ at: AT, type: 'approved-by', by: 'dave@example.com' }]],
    [
      'the approval that meets quorum adds the approval, counted by mailbox',
      approve('dave@example.com'),
      1,
      [
        { at: AT, type: 'approved-by', by: 'dave@example.com' },
        { at: AT, type: 'approved', detail: '1 of 1 approvals' },
      ],
    ],
    ['a denial with its comment', { ...deny('erin@example.com'), comment: 'not during the freeze' }, 2, [{ at: AT, type: 'denied-by', by: 'erin@example.com', detail: 'not during the freeze' }]],
  ])('history: %s', (_name, vote, approvalsRequired, history) => {
    expect(castVote({ ...base, approvalsRequired }, vote).history).toEqual(history);
  });
});

describe('isRecordedVote (who may redeliver a recorded decision)', () => {
  it.each<[string, Pick<AccessRequest, 'status' | 'approvals'>, string, 'approve' | 'deny', boolean]>([
    ['the approver whose approval decided', { status: 'APPROVED', approvals: [approve('dave@example.com')] }, 'dave@example.com', 'approve', true],
    ['the same approver through an alias', { status: 'APPROVED', approvals: [approve('dave@example.com')] }, 'dave+x@example.com', 'approve', true],
    ['a different decision', { status: 'APPROVED', approvals: [approve('dave@example.com')] }, 'dave@example.com', 'deny', false],
    ['an approver who did not vote', { status: 'APPROVED', approvals: [approve('dave@example.com')] }, 'erin@example.com', 'approve', false],
    ['a request still pending', { status: 'PENDING', approvals: [approve('dave@example.com')] }, 'dave@example.com', 'approve', false],
    ['the denier of a denied request', { status: 'DENIED', approvals: [deny('erin@example.com')] }, 'erin@example.com', 'deny', true],
  ])('%s -> %s', (_name, request, approver, decision, expected) => {
    expect(isRecordedVote(request, approver, decision)).toBe(expected);
  });
});

describe('votingApprovers', () => {
  it.each([
    ['the requester gets no vote', ['carol@example.com', 'dave@example.com'], 'carol@example.com', ['dave@example.com']],
    ['nor as an alias', ['carol@example.com', 'dave@example.com'], 'carol+x@example.com', ['dave@example.com']],
    ['nor with a trailing dot', ['carol@example.com.', 'dave@example.com'], 'Carol@example.com', ['dave@example.com']],
    ['aliases of one approver get one link, the first listed', ['dave@example.com', 'dave+prod@example.com', 'erin@example.com'], 'carol@example.com', ['dave@example.com', 'erin@example.com']],
  ])('%s', (_name, approverEmails, requesterEmail, expected) => {
    expect(votingApprovers({ approverEmails, requester: { sub: 'x', email: requesterEmail } })).toEqual(expected);
  });
});

describe('approverAddressFor (who a signed-in caller votes as)', () => {
  const request = {
    requester: { sub: 'alice', email: 'alice@example.com' },
    approverEmails: ['carol@example.com', 'dave@example.com', 'alice+approver@example.com'],
  };
  const codeOf = (email: string) => {
    try {
      return approverAddressFor(request, email);
    } catch (e) {
      if (e instanceof DomainError) return `${e.kind}:${e.code}`;
      throw e;
    }
  };
  it.each([
    ['a listed approver votes as the listed address', 'carol@example.com', 'carol@example.com'],
    ['an alias of a listed mailbox votes as the listed address', 'Carol+cli@Example.com', 'carol@example.com'],
    ['the requester', 'alice@example.com', 'forbidden:SELF_APPROVAL'],
    ["the requester under the alias listed as an approver", 'alice+approver@example.com', 'forbidden:SELF_APPROVAL'],
    ['someone not listed', 'erin@example.com', 'forbidden:NOT_APPROVER'],
    ['a look-alike domain', 'carol@example.org', 'forbidden:NOT_APPROVER'],
  ])('%s: %s -> %s', (_name, email, expected) => {
    expect(codeOf(email)).toBe(expected);
  });
});
