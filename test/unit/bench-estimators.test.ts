/**
 * The estimators of the bundles bench (bench/bundles.ts): the quantile they rest on, the ratio of
 * two sets of runs by each, and the A/A report that shows how far each strays on identical bundles.
 */
import { describe, expect, it } from 'vitest';
import { cycleLength, estimatorCheck, judge, LIMITS, quantile, ratios, roundDue, roundOrder, type Sampling } from '../../bench/bundles';

describe('quantile', () => {
  it.each([
    ['the fastest', [3, 1, 2], 0, 1],
    ['the slowest', [3, 1, 2], 1, 3],
    ['the median of an odd count', [5, 1, 3], 0.5, 3],
    ['the median of an even count: between the middle two', [4, 1, 3, 2], 0.5, 2.5],
    ['the first quartile, on a rank', [10, 20, 30, 40, 50], 0.25, 20],
    ['the first quartile, between ranks', [10, 20, 30, 40], 0.25, 17.5],
    ['one value', [7], 0.25, 7],
    ['order does not matter', [40, 10, 30, 20], 0.25, 17.5],
  ] as [string, number[], number, number][])('%s', (_, values, p, expected) => {
    expect(quantile(values, p)).toBeCloseTo(expected, 10);
  });

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2];
    quantile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([
    ['no values', [], 0.5, 'quantile of no values'],
    ['p below 0', [1], -0.1, 'quantile p must be within 0..1 (got -0.1)'],
    ['p above 1', [1], 1.5, 'quantile p must be within 0..1 (got 1.5)'],
    ['p not a number', [1], Number.NaN, 'quantile p must be within 0..1 (got NaN)'],
  ] as [string, number[], number, string][])('refuses %s', (_, values, p, message) => {
    expect(() => quantile(values, p)).toThrow(new RangeError(message));
  });
});

describe('ratios', () => {
  it('compares fastest with fastest, first quartile with first quartile, median with median', () => {
    const floor = [100, 110, 120, 130, 140];
    const fn = [120, 121, 150, 160, 200];
    expect(ratios(fn, floor)).toEqual({ fastest: 1.2, q25: 121 / 110, median: 150 / 120 });
  });
});

describe('judge', () => {
  const floor = [100, 104, 108, 112, 116];
  it.each([
    ['fastest within, quartiles over: within (the fastest run is judged)', 100, [124, 140, 150, 160, 170], floor, true],
    ['fastest over, quartiles within: over', 100, [126, 127, 128, 129, 130], [100, 120, 130, 140, 150], false],
    ['1.2511, printed 1.25: over (unrounded)', 100, [125.11, 130], [100, 110], false],
    ['exactly 1.25: within', 100, [125, 130], [100, 110], true],
    ['ratio within, bundle one byte over 300 KB: over', LIMITS.bytes + 1, [101], [100], false],
    ['bundle at 300 KB: within', LIMITS.bytes, [101], [100], true],
  ] as [string, number, number[], number[], boolean][])('%s', (_, bytes, init, floorRuns, expected) => {
    expect(judge(bytes, init, floorRuns)).toBe(expected);
  });
});

describe('roundOrder: a Williams square', () => {
  it.each([
    ['four bundles, round 0', 4, 0, [0, 1, 3, 2]],
    ['four bundles, round 1', 4, 1, [1, 2, 0, 3]],
    ['four bundles, round 4: the next cycle starts with the same row', 4, 4, [0, 1, 3, 2]],
    ['four bundles, round 5: the next cycle then visits its rows backwards', 4, 5, [3, 0, 2, 1]],
    ['three bundles, round 0', 3, 0, [0, 1, 2]],
    ['three bundles, round 3: reversed', 3, 3, [2, 1, 0]],
    ['one bundle', 1, 7, [0]],
  ] as [string, number, number, number[]][])('%s', (_, bundles, round, expected) => {
    expect(roundOrder(bundles, round)).toEqual(expected);
  });

  it.each([2, 3, 4, 5, 6])('over a cycle of %i bundles: each in each position, each after each other equally often', (bundles) => {
    const rows = Array.from({ length: cycleLength(bundles) }, (_, r) => roundOrder(bundles, r));
    const perRow = rows.length / bundles;
    for (const row of rows) expect([...row].sort()).toEqual(Array.from({ length: bundles }, (_, i) => i));
    for (let position = 0; position < bundles; position++) {
      for (let b = 0; b < bundles; b++) expect(rows.filter((row) => row[position] === b)).toHaveLength(perRow);
    }
    const follows = new Map<string, number>();
    for (const row of rows) for (let i = 1; i < bundles; i++) follows.set(`${row[i - 1]}>${row[i]}`, (follows.get(`${row[i - 1]}>${row[i]}`) ?? 0) + 1);
    expect(follows.size).toBe(bundles * (bundles - 1));
    expect(new Set(follows.values()).size).toBe(1);
  });

  it.each([4, 6, 8])('with %i bundles, run back to back over four cycles: none straight after itself, and each pair met as often both ways', (bundles) => {
    const sequence = Array.from({ length: 4 * cycleLength(bundles) }, (_, r) => roundOrder(bundles, r)).flat();
    const met = new Map<string, number>();
    for (let i = 1; i < sequence.length; i++) {
      expect(sequence[i]).not.toBe(sequence[i - 1]);
      met.set(`${sequence[i - 1]}>${sequence[i]}`, (met.get(`${sequence[i - 1]}>${sequence[i]}`) ?? 0) + 1);
    }
    // The bench's pairs: the function and its floor (0, 1), and the A/A check's hello-worlds (2, 3).
    expect(met.get('0>1')).toBe(met.get('1>0'));
    expect(met.get('2>3')).toBe(met.get('3>2'));
  });
});

describe('roundDue', () => {
  const lambda: Sampling = { minRuns: 44, maxRuns: 201, budgetMs: 40_000 };
  it.each([
    ['inside a cycle, budget spent: finish the cycle', 45, 90_000, true],
    ['at a cycle end, budget spent: stop', 48, 90_000, false],
    ['at a cycle end, below the minimum: go on', 40, 90_000, true],
    ['at a cycle end, time left: go on', 48, 1_000, true],
    ['at a cycle end, most rounds passed: stop', 204, 1_000, false],
  ] as [string, number, number, boolean][])('%s', (_, done, elapsedMs, expected) => {
    expect(roundDue(lambda, done, elapsedMs, 4)).toBe(expected);
  });
});

describe('estimatorCheck', () => {
  it('reports, per estimator, the median A/A ratio, the largest distance from 1 and every ratio', () => {
    const report = estimatorCheck([
      { fastest: 1.04, q25: 1.01, median: 0.99 },
      { fastest: 0.93, q25: 0.995, median: 1.02 },
      { fastest: 0.97, q25: 0.99, median: 1.0 },
    ]);
    expect(report.fastest).toEqual({ medianRatio: 0.97, largestDeviation: 0.07, ratios: [1.04, 0.93, 0.97] });
    expect(report.q25).toEqual({ medianRatio: 0.995, largestDeviation: 0.01, ratios: [1.01, 0.995, 0.99] });
    expect(report.median).toEqual({ medianRatio: 1, largestDeviation: 0.02, ratios: [0.99, 1.02, 1] });
  });

  it('refuses no comparisons', () => {
    expect(() => estimatorCheck([])).toThrow(new RangeError('estimatorCheck of no A/A comparisons'));
  });
});
