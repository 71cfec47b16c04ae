/**
 * How many rounds the bundles bench gives a function (bench/bundles.ts `anotherRound`): at least
 * the minimum, then until the time budget or the most rounds, whichever comes first. The rule
 * reads only the count and the clock, so it cannot favour a figure.
 */
import { describe, expect, it } from 'vitest';
import { anotherRound, type Sampling } from '../../bench/bundles';

const lambda: Sampling = { minRuns: 21, maxRuns: 101, budgetMs: 20_000 };
const info: Sampling = { minRuns: 5, maxRuns: 5, budgetMs: 0 };

describe('anotherRound', () => {
  it.each([
    ['below the minimum, whatever the time', lambda, 20, 60_000, true],
    ['at the minimum, time left', lambda, 21, 19_999, true],
    ['at the minimum, budget spent', lambda, 21, 20_000, false],
    ['time left, most rounds reached', lambda, 101, 1_000, false],
    ['a fixed count: below it', info, 4, 60_000, true],
    ['a fixed count: reached', info, 5, 0, false],
  ] as [string, Sampling, number, number, boolean][])('%s', (_, sampling, done, elapsedMs, expected) => {
    expect(anotherRound(sampling, done, elapsedMs)).toBe(expected);
  });
});
