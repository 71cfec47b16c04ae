/**
 * How many rounds the bundles bench gives a function (bench/bundles.ts `anotherRound`): at least
 * the minimum, then until the time budget or the most rounds, whichever comes first. The rule
 * reads only the count and the clock, so it cannot favour a figure.
 */
import { describe, expect, it } from 'vitest';
import { anotherRound, type Sampling } from '../../bench/bundles';

const lambda: Sampling = { minRuns: 15, maxRuns: 61, budgetMs: 10_000 };
const info: Sampling = { minRuns: 5, maxRuns: 5, budgetMs: 0 };

describe('anotherRound', () => {
  it.each([
    ['below the minimum, whatever the time', lambda, 14, 60_000, true],
    ['at the minimum, time left', lambda, 15, 9_999, true],
    ['at the minimum, budget spent', lambda, 15, 10_000, false],
    ['time left, most rounds reached', lambda, 61, 1_000, false],
    ['a fixed count: below it', info, 4, 60_000, true],
    ['a fixed count: reached', info, 5, 0, false],
  ] as [string, Sampling, number, number, boolean][])('%s', (_, sampling, done, elapsedMs, expected) => {
    expect(anotherRound(sampling, done, elapsedMs)).toBe(expected);
  });
});
