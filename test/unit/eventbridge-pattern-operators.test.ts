/**
 * Operator-by-operator semantics, with the subtle negatives. Where the AWS docs are silent the
 * expected outcome follows aws/event-ruler (ByteMachine / JsonRuleCompiler / CIDR), and the
 * test says so.
 */
import { describe, expect, it } from 'vitest';
import { matchesPattern, type EventPattern } from '../../shared/eventbridge/pattern';

const leaf = (entries: EventPattern[string]): EventPattern => ({ detail: { v: entries } });
const event = (value: unknown): unknown => ({ detail: { v: value } });
const missing = { detail: { other: 'x' } };

describe('exact literals', () => {
  it('never coerce between types', () => {
    expect(matchesPattern(leaf(['300']), event(300))).toBe(false);
    expect(matchesPattern(leaf([300]), event('300'))).toBe(false);
    expect(matchesPattern(leaf([true]), event('true'))).toBe(false);
    expect(matchesPattern(leaf(['true']), event(true))).toBe(false);
    expect(matchesPattern(leaf([null]), event('null'))).toBe(false);
    expect(matchesPattern(leaf([0]), event(false))).toBe(false);
  });

  it('match booleans and numbers by value', () => {
    expect(matchesPattern(leaf([false]), event(false))).toBe(true);
    expect(matchesPattern(leaf([true]), event(false))).toBe(false);
    // 300, 300.0 and 3.0e2 are one JSON number once parsed; the engine also compares numerically.
    expect(matchesPattern(leaf([300]), JSON.parse('{"detail":{"v":300.0}}'))).toBe(true);
    expect(matchesPattern(leaf([3.0e2]), event(300))).toBe(true);
    expect(matchesPattern(leaf([-0]), event(0))).toBe(true);
  });

  it('does not match a field whose value is an object, even with the same scalar inside', () => {
    expect(matchesPattern(leaf(['a']), event({ v: 'a' }))).toBe(false);
  });

  it('matches when any element of an event array matches, including nested arrays', () => {
    expect(matchesPattern(leaf(['b']), event(['a', 'b']))).toBe(true);
    expect(matchesPattern(leaf(['b']), event([['a'], ['b']]))).toBe(true);
    expect(matchesPattern(leaf(['c']), event(['a', 'b']))).toBe(false);
  });

  it('ignores fields of the event that the pattern does not mention', () => {
    expect(matchesPattern({ source: ['aws.sts'] }, { source: 'aws.sts', extra: { deep: [1, 2] } })).toBe(true);
  });

  it('does not read inherited properties as event fields', () => {
    expect(matchesPattern({ constructor: [{ exists: true }] }, {})).toBe(false);
    expect(matchesPattern({ toString: [{ exists: false }] }, {})).toBe(true);
  });
});

describe('prefix and suffix', () => {
  it('only apply to strings: a number with the same digits does not match', () => {
    expect(matchesPattern(leaf([{ prefix: '30' }]), event(300))).toBe(false);
    expect(matchesPattern(leaf([{ suffix: '00' }]), event(300))).toBe(false);
    expect(matchesPattern(leaf([{ prefix: 'tr' }]), event(true))).toBe(false);
    expect(matchesPattern(leaf([{ prefix: 'nu' }]), event(null))).toBe(false);
  });

  it('are case-sensitive unless wrapped in equals-ignore-case', () => {
    expect(matchesPattern(leaf([{ prefix: 'Arn:' }]), event('arn:aws:iam'))).toBe(false);
    expect(matchesPattern(leaf([{ prefix: { 'equals-ignore-case': 'Arn:' } }]), event('arn:aws:iam'))).toBe(true);
    expect(matchesPattern(leaf([{ suffix: { 'equals-ignore-case': '.JSON' } }]), event('a.json'))).toBe(true);
    expect(matchesPattern(leaf([{ suffix: { 'equals-ignore-case': '.JSON' } }]), event('a.jsonl'))).toBe(false);
  });

  it('match the whole value and any value in an array', () => {
    expect(matchesPattern(leaf([{ prefix: 'abc' }]), event('abc'))).toBe(true);
    expect(matchesPattern(leaf([{ prefix: 'abcd' }]), event('abc'))).toBe(false);
    expect(matchesPattern(leaf([{ suffix: '.png' }]), event(['a.jpg', 'b.png']))).toBe(true);
  });

  it('do not match a missing field', () => {
    expect(matchesPattern(leaf([{ prefix: '' }]), missing)).toBe(false);
  });
});

describe('equals-ignore-case', () => {
  it('folds case of both sides and nothing else', () => {
    expect(matchesPattern(leaf([{ 'equals-ignore-case': 'ÉTÉ' }]), event('été'))).toBe(true);
    expect(matchesPattern(leaf([{ 'equals-ignore-case': 'abc' }]), event('abc '))).toBe(false);
    expect(matchesPattern(leaf([{ 'equals-ignore-case': '5' }]), event(5))).toBe(false);
  });
});

describe('wildcard', () => {
  it('matches zero or more characters per "*" across the whole value', () => {
    const pattern = leaf([{ wildcard: '*/lib/*.so' }]);
    expect(matchesPattern(pattern, event('/usr/lib/libc.so'))).toBe(true);
    expect(matchesPattern(pattern, event('/lib/.so'))).toBe(true);
    expect(matchesPattern(pattern, event('/usr/lib/libc.so.6'))).toBe(false);
    expect(matchesPattern(pattern, event('/usr/lib64/libc.so'))).toBe(false);
  });

  it('does not let segments overlap', () => {
    expect(matchesPattern(leaf([{ wildcard: 'ab*ba' }]), event('aba'))).toBe(false);
    expect(matchesPattern(leaf([{ wildcard: 'ab*ba' }]), event('abba'))).toBe(true);
  });

  it('treats "\\*" as a literal asterisk and "\\\\" as a literal backslash', () => {
    expect(matchesPattern(leaf([{ wildcard: 'a\\*b' }]), event('a*b'))).toBe(true);
    expect(matchesPattern(leaf([{ wildcard: 'a\\*b' }]), event('axb'))).toBe(false);
    expect(matchesPattern(leaf([{ wildcard: 'c:\\\\*' }]), event('c:\\temp'))).toBe(true);
  });

  it('"*" alone matches any string, including the empty one, but not other types', () => {
    expect(matchesPattern(leaf([{ wildcard: '*' }]), event(''))).toBe(true);
    expect(matchesPattern(leaf([{ wildcard: '*' }]), event(7))).toBe(false);
    expect(matchesPattern(leaf([{ wildcard: '*' }]), event(null))).toBe(false);
  });
});

describe('anything-but', () => {
  it('does not match a missing field', () => {
    expect(matchesPattern(leaf([{ 'anything-but': 'x' }]), missing)).toBe(false);
    expect(matchesPattern(leaf([{ 'anything-but': { prefix: 'x' } }]), missing)).toBe(false);
    expect(matchesPattern(leaf([{ 'anything-but': 'x' }]), {})).toBe(false);
  });

  it('matches null, which AWS treats as a present value (localstack#9711 records this)', () => {
    expect(matchesPattern(leaf([{ 'anything-but': ['no-message'] }]), event(null))).toBe(true);
  });

  it('is type-strict: a string exclusion never excludes a number and vice versa (event-ruler)', () => {
    expect(matchesPattern(leaf([{ 'anything-but': '5' }]), event(5))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': [5] }]), event('5'))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': [5] }]), event(5.0))).toBe(false);
  });

  it('prefix / suffix / ignore-case / wildcard exclusions only exclude strings (event-ruler)', () => {
    expect(matchesPattern(leaf([{ 'anything-but': { prefix: '1' } }]), event(12))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': { suffix: 'e' } }]), event(true))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': { wildcard: '*' } }]), event(1))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': { wildcard: '*' } }]), event('anything'))).toBe(false);
  });

  it('is case-sensitive in its plain form', () => {
    expect(matchesPattern(leaf([{ 'anything-but': 'Running' }]), event('running'))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': 'running' }]), event('running'))).toBe(false);
  });

  it('accepts lists for equals-ignore-case and wildcard', () => {
    const ignoreCase = leaf([{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'Terminated'] } }]);
    expect(matchesPattern(ignoreCase, event('STOPPED'))).toBe(false);
    expect(matchesPattern(ignoreCase, event('running'))).toBe(true);
    const wildcards = leaf([{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }]);
    expect(matchesPattern(wildcards, event('/usr/bin/env'))).toBe(false);
    expect(matchesPattern(wildcards, event('/etc/hosts'))).toBe(true);
  });

  it('on an event array matches if any element escapes the exclusion', () => {
    expect(matchesPattern(leaf([{ 'anything-but': 'a' }]), event(['a', 'b']))).toBe(true);
    expect(matchesPattern(leaf([{ 'anything-but': 'a' }]), event(['a', 'a']))).toBe(false);
    expect(matchesPattern(leaf([{ 'anything-but': 'a' }]), event([]))).toBe(false);
  });
});

describe('numeric', () => {
  it('supports every comparison operator', () => {
    expect(matchesPattern(leaf([{ numeric: ['>', 5] }]), event(5))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['>=', 5] }]), event(5))).toBe(true);
    expect(matchesPattern(leaf([{ numeric: ['<', 5] }]), event(5))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['<=', 5] }]), event(5))).toBe(true);
    expect(matchesPattern(leaf([{ numeric: ['=', 5] }]), event(5))).toBe(true);
    expect(matchesPattern(leaf([{ numeric: ['>=', 0, '<', 1] }]), event(0.999999))).toBe(true);
    expect(matchesPattern(leaf([{ numeric: ['>=', 0, '<', 1] }]), event(1))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['>', -10] }]), event(-9.5))).toBe(true);
  });

  it('never matches strings, booleans, null or a missing field', () => {
    expect(matchesPattern(leaf([{ numeric: ['>', 0] }]), event('5'))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['>', 0] }]), event(true))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['<', 1] }]), event(null))).toBe(false);
    expect(matchesPattern(leaf([{ numeric: ['<', 1] }]), missing)).toBe(false);
  });

  it('can be combined with other entries of the same leaf (OR)', () => {
    const pattern = leaf([{ numeric: ['<', 0] }, { numeric: ['>', 100] }, 'unknown']);
    expect(matchesPattern(pattern, event(-1))).toBe(true);
    expect(matchesPattern(pattern, event(101))).toBe(true);
    expect(matchesPattern(pattern, event('unknown'))).toBe(true);
    expect(matchesPattern(pattern, event(50))).toBe(false);
  });
});

describe('cidr', () => {
  it('matches IPv6 ranges', () => {
    const pattern = leaf([{ cidr: '2001:db8::/32' }]);
    expect(matchesPattern(pattern, event('2001:db8::1'))).toBe(true);
    expect(matchesPattern(pattern, event('2001:DB8:ffff:ffff:ffff:ffff:ffff:ffff'))).toBe(true);
    expect(matchesPattern(pattern, event('2001:db9::1'))).toBe(false);
  });

  it('never crosses families, except IPv4-mapped IPv6 which the engine reads as IPv4', () => {
    expect(matchesPattern(leaf([{ cidr: '10.0.0.0/8' }]), event('::a00:1'))).toBe(false);
    expect(matchesPattern(leaf([{ cidr: '10.0.0.0/8' }]), event('::ffff:10.1.2.3'))).toBe(true);
    expect(matchesPattern(leaf([{ cidr: '::/0' }]), event('10.1.2.3'))).toBe(false);
  });

  it('parses compressed and IPv4-suffixed IPv6 forms, and rejects malformed ones', () => {
    const pattern = leaf([{ cidr: '64:ff9b::/96' }]);
    expect(matchesPattern(pattern, event('64:ff9b::192.0.2.33'))).toBe(true);
    expect(matchesPattern(pattern, event('64:FF9B:0:0:0:0:c000:221'))).toBe(true);
    expect(matchesPattern(pattern, event('64:ff9b:::1'))).toBe(false);
    expect(matchesPattern(pattern, event('64:ff9b::1::2'))).toBe(false);
    expect(matchesPattern(pattern, event('64:ff9b:0:0:0:0:0:0:1'))).toBe(false);
    expect(matchesPattern(leaf([{ cidr: '::/1' }]), event('::'))).toBe(true);
  });

  it('ignores values that are not IP address strings', () => {
    const pattern = leaf([{ cidr: '0.0.0.0/0' }]);
    expect(matchesPattern(pattern, event('10.0.0.256'))).toBe(false);
    expect(matchesPattern(pattern, event('10.0.0'))).toBe(false);
    expect(matchesPattern(pattern, event('example.com'))).toBe(false);
    expect(matchesPattern(pattern, event(167772161))).toBe(false);
    expect(matchesPattern(pattern, event('10.0.0.1'))).toBe(true);
  });
});

describe('exists', () => {
  it('true matches any present scalar, null included (moto#5125 records AWS doing this)', () => {
    expect(matchesPattern(leaf([{ exists: true }]), event(null))).toBe(true);
    expect(matchesPattern(leaf([{ exists: true }]), event(''))).toBe(true);
    expect(matchesPattern(leaf([{ exists: true }]), event(false))).toBe(true);
  });

  it('treats objects and empty arrays as absent, since they are not leaves', () => {
    expect(matchesPattern(leaf([{ exists: true }]), event({ nested: 1 }))).toBe(false);
    expect(matchesPattern(leaf([{ exists: true }]), event([]))).toBe(false);
    expect(matchesPattern(leaf([{ exists: false }]), event([]))).toBe(true);
    expect(matchesPattern(leaf([{ exists: false }]), event([{ nested: 1 }]))).toBe(true);
  });

  it('false matches when a whole ancestor is missing or is not an object', () => {
    expect(matchesPattern(leaf([{ exists: false }]), {})).toBe(true);
    expect(matchesPattern(leaf([{ exists: false }]), { detail: 'text' })).toBe(true);
    expect(matchesPattern(leaf([{ exists: true }]), { detail: 'text' })).toBe(false);
  });

  it('false inside an array of objects requires the field to be absent from every element', () => {
    const pattern: EventPattern = { items: { deletedAt: [{ exists: false }] } };
    expect(matchesPattern(pattern, { items: [{ id: 1 }, { id: 2 }] })).toBe(true);
    expect(matchesPattern(pattern, { items: [{ id: 1 }, { id: 2, deletedAt: 'x' }] })).toBe(false);
    expect(matchesPattern(pattern, { items: [] })).toBe(true);
  });

  it('false combined with a positive field is checked within the same array element', () => {
    const pattern: EventPattern = { items: { id: [2], deletedAt: [{ exists: false }] } };
    expect(matchesPattern(pattern, { items: [{ id: 1, deletedAt: 'x' }, { id: 2 }] })).toBe(true);
    expect(matchesPattern(pattern, { items: [{ id: 1 }, { id: 2, deletedAt: 'x' }] })).toBe(false);
  });

  it('can be OR-ed with a value in the same leaf', () => {
    const pattern = leaf([false, { exists: false }]);
    expect(matchesPattern(pattern, missing)).toBe(true);
    expect(matchesPattern(pattern, event(false))).toBe(true);
    expect(matchesPattern(pattern, event(true))).toBe(false);
  });
});

describe('$or', () => {
  it('works below the top level and can hold nested objects', () => {
    const pattern: EventPattern = {
      detail: {
        $or: [{ user: { type: ['Root'] } }, { user: { arn: [{ suffix: ':role/BreakGlass' }] } }],
      },
    };
    expect(matchesPattern(pattern, { detail: { user: { type: 'Root', arn: 'arn:aws:iam::1:root' } } })).toBe(true);
    expect(matchesPattern(pattern, { detail: { user: { type: 'Role', arn: 'arn:aws:iam::1:role/BreakGlass' } } })).toBe(
      true,
    );
    expect(matchesPattern(pattern, { detail: { user: { type: 'Role', arn: 'arn:aws:iam::1:role/Dev' } } })).toBe(false);
  });

  it('branches are each array-consistent', () => {
    const pattern: EventPattern = { items: { $or: [{ a: [1], b: [2] }, { c: [3] }] } };
    expect(matchesPattern(pattern, { items: [{ a: 1 }, { b: 2 }] })).toBe(false);
    expect(matchesPattern(pattern, { items: [{ a: 1 }, { a: 1, b: 2 }] })).toBe(true);
    expect(matchesPattern(pattern, { items: [{ a: 1 }, { c: 3 }] })).toBe(true);
  });

  it('nested $or inside $or with exists:false branches', () => {
    const pattern: EventPattern = {
      $or: [
        { kind: ['a'], $or: [{ flag: [true] }, { flag: [{ exists: false }] }] },
        { kind: ['b'], flag: [false] },
      ],
    };
    expect(matchesPattern(pattern, { kind: 'a' })).toBe(true);
    expect(matchesPattern(pattern, { kind: 'a', flag: true })).toBe(true);
    expect(matchesPattern(pattern, { kind: 'a', flag: false })).toBe(false);
    expect(matchesPattern(pattern, { kind: 'b', flag: false })).toBe(true);
    expect(matchesPattern(pattern, { kind: 'b' })).toBe(false);
  });
});

describe('events that are not objects', () => {
  it('have no fields', () => {
    expect(matchesPattern({ source: ['aws.sts'] }, null)).toBe(false);
    expect(matchesPattern({ source: ['aws.sts'] }, 'aws.sts')).toBe(false);
    expect(matchesPattern({ source: [{ exists: false }] }, undefined)).toBe(true);
  });
});
