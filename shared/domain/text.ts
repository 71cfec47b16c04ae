/**
 * Rules for text a person typed that the broker later shows to someone else (reasons, tickets,
 * comments, cancel and revoke reasons). Such text ends up inside plain-text emails and web
 * pages, so it must not be able to start a new line, reorder what is displayed, or hide
 * characters: each of those could make it look like the broker's own words (a fake link,
 * "Approvals: 0 required").
 */

/**
 * Control characters (line breaks, tabs, escape), format characters (bidi overrides and
 * isolates, zero-width joiners and spaces, soft hyphen), the Unicode line and paragraph
 * separators, and unpaired surrogates (not text at all).
 */
export const FORBIDDEN_CHARACTERS = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** A character that shows something: letters, digits, punctuation and symbols (not spaces or combining marks). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/gu;

/** Counts the characters of `text` that a reader actually sees. */
export const visibleLength = (text: string): number => text.match(VISIBLE)?.length ?? 0;

/** One broken rule, worded to follow the field name ("reason must ..."). */
export interface TextProblem {
  rule: 'plain-text' | 'min-visible' | 'max-length' | 'format';
  message: string;
}

export interface TextRule {
  /** At least this many visible characters (0: no minimum). */
  minVisible: number;
  /** At most this many characters in all. */
  maxLength: number;
}

/** Reasons (for a request, a cancel, a revoke): long enough to mean something in an audit, short enough for an email. */
export const REASON_RULE: TextRule = { minVisible: 10, maxLength: 500 };
/** Approvers' comments: optional and may be as short as "ok"; the same characters are refused. */
export const COMMENT_RULE: TextRule = { minVisible: 1, maxLength: 500 };

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The first rule `text` (already trimmed) breaks, or undefined. Forbidden characters are
 * named by code point and position so the writer can find an invisible one.
 */
export function textProblem(text: string, rule: TextRule): TextProblem | undefined {
  const bad = FORBIDDEN_CHARACTERS.exec(text);
  if (bad) {
    return {
      rule: 'plain-text',
      message:
        `must be one line of plain text without control, format (e.g. bidi), line or paragraph separator characters ` +
        `(found ${codePoint(bad[0])} at position ${[...text.slice(0, bad.index)].length + 1})`,
    };
  }
  if (text.length > rule.maxLength) {
    return { rule: 'max-length', message: `must be at most ${rule.maxLength} characters (got ${text.length})` };
  }
  const visible = visibleLength(text);
  if (visible < rule.minVisible) {
    return {
      rule: 'min-visible',
      message: `must have at least ${rule.minVisible} visible character${rule.minVisible === 1 ? '' : 's'} (got ${visible})`,
    };
  }
  return undefined;
}

/**
 * The default ticket id: a project or system key then a number (INC-4411, JIRA123, ops_team-42).
 * Never a URL: the broker shows the ticket to approvers, who must not be sent elsewhere by it.
 */
export const DEFAULT_TICKET_PATTERN = '^[A-Za-z][A-Za-z0-9_-]{1,30}-?[0-9]{1,10}$';

/** Strings no ticket pattern may accept: a URL, whitespace, markup, an empty string. */
export const TICKET_PATTERN_PROBES: readonly string[] = [
  '',
  'https://tickets.example.com/INC-4411',
  'http://x/1',
  'INC-4411 approved',
  '<a href=x>1</a>',
  'javascript:alert(1)',
];

/** A ticket problem: forbidden characters first (with the position), then the configured pattern. */
export function ticketProblem(ticket: string, pattern: string): TextProblem | undefined {
  const plain = textProblem(ticket, { minVisible: 1, maxLength: 200 });
  if (plain) return plain;
  if (!new RegExp(pattern, 'u').test(ticket)) {
    return { rule: 'format', message: `must be a ticket id such as INC-4411 matching ${pattern}` };
  }
  return undefined;
}
