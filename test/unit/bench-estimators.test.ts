/**
 * The estimators of the bundles bench (bench/bundles.ts): the quantile they rest on, the ratio of
 * two sets of runs by each, and the A/A report that shows how far each strays on identical bundles.
 */
import { describe, expect, it } from 'vitest';
import { estimatorCheck, quantile, ratios, roundOrder } from '../../bench/bundles';

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

  it('is unrounded: 1.2515 stays over 1.25', () => {
    expect(ratios([125.15], [100]).q25).toBeGreaterThan(1.25);
  });
});

describe('estimatorCheck', () => {
  it('reports, per estimator, the largest distance from 1 and every A/A ratio', () => {
    const report = estimatorCheck([
      { fastest: 1.04, q25: 1.01, median: 0.99 },
      { fastest: 0.93, q25: 0.995, median: 1.02 },
    ]);
    expect(report.fastest).toEqual({ largestDeviation: 0.07, ratios: [1.04, 0.93] });
    expect(report.q25).toEqual({ largestDeviation: 0.01, ratios: [1.01, 0.995] });
    expect(report.median).toEqual({ largestDeviation: 0.02, ratios: [0.99, 1.02] });
  });
});

describe('roundOrder', () => {
  it.each([
    ['round 0 runs forwards', 3, 0, [0, 1, 2]],
    ['round 1 runs backwards', 3, 1, [2, 1, 0]],
    ['round 2 forwards again', 4, 2, [0, 1, 2, 3]],
    ['one bundle', 1, 1, [0]],
  ] as [string, number, number, number[]][])('%s', (_, bundles, round, expected) => {
    expect(roundOrder(bundles, round)).toEqual(expected);
  });

  it('puts every bundle first and last equally often over two rounds', () => {
    const firsts = [roundOrder(4, 0)[0], roundOrder(4, 1)[0]];
    const lasts = [roundOrder(4, 0)[3], roundOrder(4, 1)[3]];
    expect(firsts).toEqual([0, 3]);
    expect(lasts).toEqual([3, 0]);
  });
});
