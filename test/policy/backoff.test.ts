import { describe, expect, it } from 'vitest';
import { RtcError } from '../../src/core/RtcError';
import { DEFAULT_BACKOFF, retryDelay, type BackoffOptions } from '../../src/policy/backoff';

const lost = new RtcError('CONNECTION_LOST', 'socket closed');
/** The delay of a retry after a lost connection. */
const backoffDelay = (attempt: number, options?: BackoffOptions, random?: () => number) =>
    retryDelay(attempt, lost, options, random)!;
/** The upper bound of attempt `attempt`'s delay (with the default options). */
const backoffCap = (attempt: number) => backoffDelay(attempt, {}, () => 1);
/** Whether retry number `attempt` is made. */
const shouldRetry = (attempt: number, error: RtcError | undefined, options?: BackoffOptions | false) =>
    retryDelay(attempt, error, options) !== undefined;

/** Small seeded PRNG (mulberry32) so the jitter tests are reproducible. */
function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

describe('retryDelay: the delay', () => {
    it('follows the capped exponential sequence when random() = 1', () => {
        const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, {}, () => 1));
        expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10000, 10000]);
    });

    it('is 0 when random() = 0 and scales linearly with random()', () => {
        expect(backoffDelay(5, {}, () => 0)).toBe(0);
        expect(backoffDelay(5, {}, () => 0.5)).toBe(2000);
        expect(backoffDelay(1, {}, () => 0.25)).toBe(63); // 62.5 rounded
    });

    it("takes the server's Retry-After as a floor, even above maxDelayMs", () => {
        const busy = new RtcError('SIGNALING_FAILED', 'HTTP 503', { retryable: true, retryAfterMs: 30_000 });
        expect(retryDelay(1, busy, {}, () => 1)).toBe(30_000);
        const soon = new RtcError('SIGNALING_FAILED', 'HTTP 503', { retryable: true, retryAfterMs: 10 });
        expect(retryDelay(3, soon, {}, () => 1)).toBe(1000);
    });

    it('honours custom options', () => {
        const options = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3 };
        expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, options, () => 1))).toEqual([100, 300, 900, 1000, 1000]);
    });

    it('stays within [0, cap] over many random draws, and actually spreads them', () => {
        const random = mulberry32(42);
        for (let attempt = 1; attempt <= 12; attempt++) {
            const cap = backoffCap(attempt);
            const draws = Array.from({ length: 2000 }, () => backoffDelay(attempt, {}, random));
            expect(draws.filter((d) => !(Number.isInteger(d) && d >= 0 && d <= cap))).toEqual([]);
            // Full jitter: the draws cover the whole range, not just its top (equal jitter) or one value.
            expect(Math.min(...draws)).toBeLessThan(cap * 0.05);
            expect(Math.max(...draws)).toBeGreaterThan(cap * 0.95);
            const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
            expect(mean).toBeGreaterThan(cap * 0.45);
            expect(mean).toBeLessThan(cap * 0.55);
        }
    });

    it('uses Math.random by default', () => {
        const d = backoffDelay(4);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(2000);
    });

    it('never returns NaN or Infinity, whatever the attempt number', () => {
        for (const attempt of [1e3, 1e6, 2 ** 53, Number.MAX_VALUE, Infinity]) {
            expect(backoffDelay(attempt, {}, () => 1)).toBe(10_000);
            expect(backoffCap(attempt)).toBe(10_000);
        }
        // A cap "without limit" still yields a delay setTimeout can honour.
        const huge = backoffDelay(5000, { maxDelayMs: Infinity }, () => 1);
        expect(Number.isFinite(huge)).toBe(true);
        expect(huge).toBeLessThanOrEqual(2 ** 31 - 1);
    });

    it('clamps a faulty random source', () => {
        expect(backoffDelay(2, {}, () => 7)).toBe(500);
        expect(backoffDelay(2, {}, () => -1)).toBe(0);
        expect(backoffDelay(2, {}, () => NaN)).toBe(500);
    });

    it('ignores unusable option values in favour of the defaults', () => {
        expect(backoffDelay(2, { initialDelayMs: NaN, multiplier: -1 }, () => 1)).toBe(500);
        expect(backoffDelay(3, { multiplier: 0.5 }, () => 1)).toBe(250); // never shrinks
        expect(backoffDelay(3, { initialDelayMs: 0 }, () => 1)).toBe(0);
    });
});

describe('retryDelay: whether to retry', () => {
    it('retries a lost connection', () => {
        expect(shouldRetry(1, lost)).toBe(true);
        expect(shouldRetry(1000, lost)).toBe(true); // unlimited by default
        expect(DEFAULT_BACKOFF.maxAttempts).toBe(Infinity);
    });

    it.each(['REFUSED', 'ACCESS_DENIED', 'STREAM_ENDED', 'STREAM_NOT_FOUND', 'INVALID_ARGUMENT', 'ABORTED'] as const)(
        'does not retry %s',
        (code) => {
            expect(shouldRetry(1, new RtcError(code, 'x'))).toBe(false);
        },
    );

    it('follows the error retryable flag, not its code', () => {
        expect(shouldRetry(1, new RtcError('CONNECTION_LOST', 'x', { retryable: false }))).toBe(false);
        expect(shouldRetry(1, new RtcError('TIMEOUT', 'x', { retryable: true }))).toBe(true);
    });

    it('does not retry without an error (the app stopped)', () => {
        expect(shouldRetry(1, undefined)).toBe(false);
    });

    it('respects maxAttempts', () => {
        const options = { maxAttempts: 3 };
        expect([1, 2, 3, 4, 5].map((n) => shouldRetry(n, lost, options))).toEqual([true, true, true, false, false]);
        expect(shouldRetry(1, lost, { maxAttempts: 0 })).toBe(false);
        for (const attempt of [0, -3, NaN]) expect(shouldRetry(attempt, lost)).toBe(false);
    });

    it('does not retry when reconnection is disabled (options false)', () => {
        expect(shouldRetry(1, lost, false)).toBe(false);
    });
});
