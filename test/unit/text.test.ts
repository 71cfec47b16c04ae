/**
 * Text a person writes that the broker shows to someone else cannot start a line, reorder or
 * hide what is displayed, and must say something (issue 10, "text that cannot forge an email").
 */
import { describe, expect, it } from 'vitest';
import { buildAccessRequest } from '../../shared/domain/new-request';
import { ForbiddenError, ValidationError } from '../../shared/domain/errors';
import {
  COMMENT_RULE,
  DEFAULT_TICKET_PATTERN,
  REASON_RULE,
  textProblem,
  ticketProblem,
  visibleLength,
} from '../../shared/domain/text';
import { decisionBody } from '../../shared/http/schemas/approval-link';
import { cancelBody } from '../../shared/http/schemas/cancel';
import { parseWith } from '../../shared/http/validation';
import type { Target } from '../../shared/catalogue/types';

describe('textProblem', () => {
  it.each([
    ['line feed', 'debugging\nApprovals: 0 required', 'U+000A at position 10'],
    ['carriage return', 'debugging\rthings here', 'U+000D'],
    ['tab', 'debugging\tthings here', 'U+0009'],
    ['escape', 'debugging \u001b[2Jthings', 'U+001B'],
    ['next line (C1)', 'debugging\u0085things here', 'U+0085'],
    ['line separator', 'debugging\u2028Approvals: 0 required', 'U+2028'],
    ['paragraph separator', 'debugging\u2029things here', 'U+2029'],
    ['right-to-left override', 'debugging \u202egnp.exe', 'U+202E'],
    ['left-to-right embedding', 'debugging \u202athings', 'U+202A'],
    ['right-to-left isolate', 'debugging \u2067things\u2069', 'U+2067'],
    ['right-to-left mark', 'debugging \u200fthings', 'U+200F'],
    ['zero-width space', 'debugging\u200bthings here', 'U+200B'],
    ['zero-width joiner', 'debugging\u200dthings here', 'U+200D'],
    ['byte-order mark inside', 'debugging\ufeffthings here', 'U+FEFF'],
    ['soft hyphen', 'debug\u00adging things', 'U+00AD'],
    ['interlinear annotation', 'debugging \ufff9things', 'U+FFF9'],
    ['tag character', 'debugging \u{E0041}things', 'U+E0041'],
    ['lone surrogate', 'debugging \ud800things', 'U+D800'],
  ])('refuses a %s, naming the code point', (_name, text, named) => {
    const problem = textProblem(text, REASON_RULE);
    expect(problem?.rule).toBe('plain-text');
    expect(problem?.message).toContain(named);
  });

  it('counts positions in characters, not UTF-16 units', () => {
    expect(textProblem('😀😀😀😀😀😀😀😀😀😀\u2028', REASON_RULE)?.message).toContain('at position 11');
  });

  it.each([
    ['short', 'because', 7],
    ['spaces', ' '.repeat(30), 0],
    ['combining marks', 'ok' + '\u0301'.repeat(30), 2],
    ['no-break and ideographic spaces', 'a\u00a0\u3000b\u00a0c d e f g h', 8],
  ])('refuses too few visible characters (%s)', (_name, text, visible) => {
    expect(textProblem(text, REASON_RULE)).toEqual({ rule: 'min-visible', message: `must have at least 10 visible characters (got ${visible})` });
  });

  it.each([
    'debugging INC-4411 in the sandbox',
    'Prüfung der Replikation für INC-4411',
    '本番環境の調査をします INC-4411',
    'checking latency 📈 for INC-4411',
    'عربي: فحص الخادم رقم ٤٤١١',
    'a "quoted" reason, with [brackets] & <angles>',
  ])('accepts %s', (text) => {
    expect(textProblem(text, REASON_RULE)).toBeUndefined();
  });

  it('caps the length', () => {
    expect(textProblem('r'.repeat(501), REASON_RULE)).toEqual({ rule: 'max-length', message: 'must be at most 500 characters (got 501)' });
  });

  it('lets a comment be short but not empty of visible characters', () => {
    expect(textProblem('ok', COMMENT_RULE)).toBeUndefined();
    expect(textProblem('\u0301', COMMENT_RULE)?.rule).toBe('min-visible');
    expect(visibleLength('a b\u0301 c')).toBe(3);
  });
});

describe('ticketProblem with the default pattern', () => {
  it.each(['INC-4411', 'JIRA123', 'ops_team-42', 'SEC-1', 'AB1'])('accepts %s', (ticket) => {
    expect(ticketProblem(ticket, DEFAULT_TICKET_PATTERN)).toBeUndefined();
  });

  it.each([
    ['https://tickets.example.com/INC-4411', 'format'],
    ['INC-4411 approved', 'format'],
    ['4411', 'format'],
    ['INC-', 'format'],
    ['INC-4411\u2028', 'plain-text'],
    ['INC-\u202e1144', 'plain-text'],
  ])('refuses %j (%s)', (ticket, rule) => {
    expect(ticketProblem(ticket, DEFAULT_TICKET_PATTERN)?.rule).toBe(rule);
  });

  it('names the pattern it expected', () => {
    expect(ticketProblem('x', '^OPS-[0-9]+$')?.message).toBe('must be a ticket id such as INC-4411 matching ^OPS-[0-9]+$');
  });
});

describe('edges that use the rules', () => {
  const target = {
    id: 'sandbox-readonly',
    account: '111111111111',
    roleArn: 'arn:aws:iam::111111111111:role/BrokerReadOnly',
    services: ['ec2'],
    requesterGroups: ['engineers'],
    approverEmails: ['carol@example.com'],
    approverGroups: [],
    approvalsRequired: 1,
    maxDurationSeconds: 3600,
    ticketPattern: '^OPS-[0-9]{1,6}$',
  } as unknown as Target;
  const caller = { sub: 'alice', email: 'alice@example.com', groups: ['engineers'] };
  const build = (input: object) =>
    buildAccessRequest({ id: 'r1', now: new Date(0), caller, target, input: { target: target.id, services: ['ec2'], duration: '1h', reason: 'debugging INC-4411 in the sandbox', ...input } });

  it('applies the target\'s ticket pattern and reports reason and ticket together', () => {
    expect(build({ ticket: 'OPS-12' }).ticket).toBe('OPS-12');
    try {
      build({ ticket: 'INC-4411', reason: 'short\u2028' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      expect((e as ValidationError).details.map((d) => [d.field, d.rule])).toEqual([['reason', 'min-visible'], ['ticket', 'format']]);
      expect((e as ValidationError).message).toContain('ticket must be a ticket id such as INC-4411 matching ^OPS-[0-9]{1,6}$');
    }
  });

  it('never names the requester groups to someone outside them', () => {
    const mallory = { sub: 'mallory', email: 'mallory@example.com', groups: ['contractors'] };
    const attempt = () => buildAccessRequest({ id: 'r1', now: new Date(0), caller: mallory, target, input: { target: target.id, services: ['ec2'], duration: '1h', reason: 'debugging INC-4411 in the sandbox' } });
    expect(attempt).toThrow(ForbiddenError);
    expect(attempt).not.toThrow(/engineers/);
  });

  it('cancel reasons and comments: trimmed, empty is none, field and rule named', () => {
    expect(parseWith(cancelBody, { reason: '  ' }, 'body')).toEqual({ reason: undefined });
    expect(parseWith(cancelBody, { reason: ' fixed without access ' }, 'body')).toEqual({ reason: 'fixed without access' });
    expect(parseWith(decisionBody, { decision: 'approve', comment: 'ok' }, 'body')).toEqual({ decision: 'approve', comment: 'ok' });
    expect(parseWith(decisionBody, { decision: 'deny', comment: '' }, 'body')).toEqual({ decision: 'deny', comment: undefined });
    const refused = (schema: typeof cancelBody | typeof decisionBody, body: object) => {
      try {
        parseWith(schema, body, 'body');
      } catch (e) {
        return (e as ValidationError).details;
      }
      throw new Error('accepted');
    };
    expect(refused(cancelBody, { reason: 'done' })).toEqual([{ field: 'reason', rule: 'min-visible', message: 'must have at least 10 visible characters (got 4)' }]);
    expect(refused(decisionBody, { decision: 'approve', comment: 'fine\u2028Approved by: the CISO' })).toEqual([
      { field: 'comment', rule: 'plain-text', message: expect.stringContaining('U+2028 at position 5') },
    ]);
    expect(refused(decisionBody, { decision: 'approve', comment: 'line one\r\nline two' })[0]?.rule).toBe('plain-text');
  });
});
