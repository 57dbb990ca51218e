/**
 * Deadlines in tests are safety nets for a test that would otherwise hang, never what a test
 * measures: a passing test does not wait for them. They are scaled for a busy machine (a 2-core
 * machine shared with other work runs several times slower than a quiet one):
 * REGULA_TEST_TIME_SCALE sets the factor, 3 by default.
 */
export const TIME_SCALE = Math.max(1, Number(process.env.REGULA_TEST_TIME_SCALE) || 3);

/** A failure deadline of `ms` on a quiet machine, scaled for a busy one. */
export function scaled(ms: number): number {
  return Math.round(ms * TIME_SCALE);
}
