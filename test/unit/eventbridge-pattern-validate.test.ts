/**
 * validatePattern refuses what EventBridge refuses (messages modelled on aws/event-ruler's
 * JsonRuleCompiler) and says where: a bad alarm rule must fail at load time, not match nothing.
 */
import { describe, expect, it } from 'vitest';
import { EventPatternError, matchesPattern, validatePattern, type EventPattern } from '../../shared/eventbridge/pattern';

function reasonFor(pattern: unknown): { path: string; message: string } {
  try {
    validatePattern(pattern);
  } catch (error) {
    if (error instanceof EventPatternError) return { path: error.path, message: error.message };
    throw error;
  }
  throw new Error('expected validatePattern to throw');
}

describe('validatePattern accepts', () => {
  it('every documented operator and returns the same object', () => {
    const pattern = {
      source: ['aws.sts', null, true, 5],
      detail: {
        a: [{ prefix: 'x' }, { prefix: { 'equals-ignore-case': 'X' } }],
        b: [{ suffix: 'y' }, { suffix: { 'equals-ignore-case': 'Y' } }],
        c: [{ 'equals-ignore-case': 'z' }, { wildcard: 'a*b\\*c' }],
        d: [{ 'anything-but': 'x' }, { 'anything-but': 1 }, { 'anything-but': ['x', 'y'] }, { 'anything-but': [1, 2] }],
        e: [
          { 'anything-but': { prefix: 'p' } },
          { 'anything-but': { suffix: 's' } },
          { 'anything-but': { 'equals-ignore-case': ['a', 'B'] } },
          { 'anything-but': { wildcard: '*/lib/*' } },
        ],
        f: [{ numeric: ['=', 1] }, { numeric: ['>=', 0, '<', 1] }, { numeric: ['<=', -1] }],
        g: [{ exists: false }, { cidr: '10.0.0.0/24' }, { cidr: '2001:db8::/32' }],
        $or: [{ h: [''] }, { i: { j: ['k'] } }],
      },
    };
    expect(validatePattern(pattern)).toBe(pattern);
  });
});

describe('validatePattern rejects', () => {
  it.each([
    ['a non-object pattern', ['aws.sts'], '(root)', 'the pattern must be a JSON object, not an array'],
    ['an empty pattern', {}, '(root)', 'empty objects are not allowed'],
    ['a leaf that is a bare string', { source: 'aws.sts' }, 'source', 'must be a list of match values or a nested object, not "aws.sts"'],
    ['a leaf that is a number', { detail: { count: 5 } }, 'detail.count', 'must be a list of match values or a nested object, not number 5'],
    ['an empty nested object', { detail: {} }, 'detail', 'empty objects are not allowed'],
    ['an empty match list', { source: [] }, 'source', 'match lists must not be empty'],
    ['a nested array in a match list', { source: [['a']] }, 'source[0]', 'match values must be strings, numbers, booleans, null or operator objects, not an array'],
    ['an unknown operator', { source: [{ prefixx: 'a' }] }, 'source[0]', 'unknown operator "prefixx"'],
    ['nested fields written inside a match list', { detail: [{ state: ['x'] }] }, 'detail[0]', 'unknown operator "state"'],
    ['two operators in one object', { source: [{ prefix: 'a', suffix: 'b' }] }, 'source[0]', 'must have exactly one key, found "prefix", "suffix"'],
    ['an empty operator object', { source: [{}] }, 'source[0]', 'must have exactly one key, found none'],
    ['a prefix that is not a string', { source: [{ prefix: 5 }] }, 'source[0]', 'prefix must be a string or { "equals-ignore-case": string }, not number 5'],
    ['a prefix with a nested operator other than equals-ignore-case', { source: [{ prefix: { suffix: 'a' } }] }, 'source[0]', 'prefix only accepts "equals-ignore-case" as a nested operator, not "suffix"'],
    ['a numeric operand that is not a list', { n: [{ numeric: '>5' }] }, 'n[0]', 'numeric takes [operator, number]'],
    ['an unknown numeric operator', { n: [{ numeric: ['==', 5] }] }, 'n[0]', 'unknown numeric operator "=="; expected one of =, <, <=, >, >='],
    ['a numeric value that is a string', { n: [{ numeric: ['>', '5'] }] }, 'n[0]', 'numeric value after ">" must be a number, not "5"'],
    ['"=" with a second bound', { n: [{ numeric: ['=', 5, '<', 6] }] }, 'n[0]', 'numeric "=" takes exactly one number'],
    ['an upper bound before a lower bound', { n: [{ numeric: ['<', 10, '>', 0] }] }, 'n[0]', 'numeric upper bound "<" must come after the lower bound'],
    ['two lower bounds', { n: [{ numeric: ['>', 0, '>=', 1] }] }, 'n[0]', 'numeric range must close with "<" or "<=", not ">="'],
    ['an empty range', { n: [{ numeric: ['>', 5, '<', 5] }] }, 'n[0]', 'numeric lower bound 5 must be less than upper bound 5'],
    ['a numeric list of the wrong length', { n: [{ numeric: ['>', 0, '<'] }] }, 'n[0]', 'numeric takes [operator, number]'],
    ['exists given a string', { e: [{ exists: 'false' }] }, 'e[0]', 'exists must be true or false, not "false"'],
    ['anything-but mixing strings and numbers', { a: [{ 'anything-but': ['a', 1] }] }, 'a[0]', 'anything-but list must contain only strings or only numbers, not both'],
    ['an empty anything-but list', { a: [{ 'anything-but': [] }] }, 'a[0]', 'anything-but list must not be empty'],
    ['anything-but null', { a: [{ 'anything-but': null }] }, 'a[0]', 'anything-but values must be strings or numbers, not null at index 0'],
    ['anything-but with a list of prefixes', { a: [{ 'anything-but': { prefix: ['a', 'b'] } }] }, 'a[0]', 'anything-but prefix takes a single string, not a list'],
    ['anything-but with an empty prefix', { a: [{ 'anything-but': { prefix: '' } }] }, 'a[0]', 'anything-but prefix must not be empty'],
    ['two anything-but forms in one object', { a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }, 'a[0]', 'anything-but object must have exactly one key, found "prefix", "suffix"'],
    ['an unsupported anything-but form', { a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'a[0]', 'unsupported anything-but form "numeric"'],
    ['anything-but equals-ignore-case with a number', { a: [{ 'anything-but': { 'equals-ignore-case': [1] } }] }, 'a[0][0]', 'anything-but equals-ignore-case must be a string, not number 1'],
    ['a wildcard with consecutive asterisks', { w: [{ wildcard: 'a**b' }] }, 'w[0]', 'wildcard "a**b" has consecutive "*" characters at position 2'],
    ['a wildcard escaping an ordinary character', { w: [{ wildcard: 'a\\b' }] }, 'w[0]', 'has a backslash at position 1 that escapes neither'],
    ['a wildcard ending in a lone backslash', { w: [{ wildcard: 'a\\' }] }, 'w[0]', 'has a backslash at position 1'],
    ['an invalid anything-but wildcard', { w: [{ 'anything-but': { wildcard: ['ok*', '**'] } }] }, 'w[0]', 'wildcard "**" has consecutive "*"'],
    ['a cidr without a mask', { ip: [{ cidr: '10.0.0.1' }] }, 'ip[0]', 'must have exactly one "/"'],
    ['a cidr that is not an address', { ip: [{ cidr: 'ten/8' }] }, 'ip[0]', 'does not start with an IPv4 or IPv6 address'],
    ['a cidr with a non-numeric mask', { ip: [{ cidr: '10.0.0.0/x' }] }, 'ip[0]', 'must end with a whole number of mask bits'],
    ['a full-length IPv4 mask', { ip: [{ cidr: '10.0.0.1/32' }] }, 'ip[0]', 'must have fewer than 32 mask bits'],
    ['a full-length IPv6 mask', { ip: [{ cidr: '::1/128' }] }, 'ip[0]', 'must have fewer than 128 mask bits'],
    ['a cidr with host bits set', { ip: [{ cidr: '10.0.0.5/24' }] }, 'ip[0]', 'has host bits set in its base address'],
    ['$or that is not a list', { $or: { a: ['x'] } }, '$or', '$or must be a list of sub-patterns, not an object'],
    ['$or with one branch', { detail: { $or: [{ a: ['x'] }] } }, 'detail.$or', '$or needs at least two sub-patterns'],
    ['$or with a non-object branch', { $or: [{ a: ['x'] }, ['b']] }, '$or[1]', '$or entries must be objects, not an array'],
    ['$or with an empty branch', { $or: [{ a: ['x'] }, {}] }, '$or[1]', 'empty objects are not allowed'],
    ['an operator name as a field inside $or', { $or: [{ prefix: ['x'] }, { a: ['y'] }] }, '$or[0].prefix', '"prefix" is an operator name and cannot be a field name inside $or'],
    ['a bad leaf deep inside $or', { detail: { $or: [{ a: ['x'] }, { b: { c: [{ numeric: ['>'] }] } }] } }, 'detail.$or[1].b.c[0]', 'numeric takes [operator, number]'],
  ])('%s', (_label, pattern, path, fragment) => {
    const { path: actualPath, message } = reasonFor(pattern);
    expect(actualPath).toBe(path);
    expect(message).toContain(fragment);
    expect(message.startsWith(`Invalid event pattern at ${path}: `)).toBe(true);
  });

  it('non-finite numbers that JSON cannot carry', () => {
    expect(reasonFor({ n: [Number.NaN] })).toEqual({
      path: 'n[0]',
      message: 'Invalid event pattern at n[0]: match numbers must be finite, not NaN',
    });
    expect(reasonFor({ n: [{ numeric: ['<', Number.POSITIVE_INFINITY] }] }).message).toContain(
      'numeric value after "<" must be a number, not number Infinity',
    );
  });
});

describe('matchesPattern', () => {
  it('throws rather than silently matching nothing for an invalid pattern', () => {
    const invalid = { source: 'aws.sts' } as unknown as EventPattern;
    expect(() => matchesPattern(invalid, { source: 'aws.sts' })).toThrow(EventPatternError);
  });

  it('allows operator names as ordinary field names outside $or', () => {
    expect(matchesPattern({ detail: { prefix: ['a'] } }, { detail: { prefix: 'a' } })).toBe(true);
  });
});
