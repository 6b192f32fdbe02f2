import type { RtcError } from '../core/RtcError';

/**
 * Options of the reconnection backoff (the `reconnect` option of {@link Player} and
 * {@link Streamer}). Retry `n` waits a random delay in `[0, min(maxDelayMs, initialDelayMs ×
 * multiplier^(n − 1))]` ms (exponential backoff with full jitter); only errors whose `retryable`
 * flag is set are retried.
 *
 * @example
 * ```ts
 * // Up to 5 retries, waiting at most 0.5 s, 1 s, 2 s, 4 s, then 5 s.
 * const player = new Player(video, { reconnect: { initialDelayMs: 500, maxDelayMs: 5000, maxAttempts: 5 } });
 * ```
 */
export interface BackoffOptions {
    /** Upper bound of the first retry's delay, ms (default 250). */
    initialDelayMs?: number;
    /** Largest upper bound of any retry's delay, ms (default 10000). */
    maxDelayMs?: number;
    /** How many retries are allowed after a loss (default `Infinity`: unlimited; 0: never retry). */
    maxAttempts?: number;
    /** Growth of the upper bound from one attempt to the next (default 2). */
    multiplier?: number;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = {
    initialDelayMs: 250,
    maxDelayMs: 10_000,
    maxAttempts: Infinity,
    multiplier: 2,
};

/** A non-negative number option (NaN fails `>= 0`), or the default when it is missing or unusable. */
const option = (value: number | undefined, fallback: number): number =>
    typeof value === 'number' && value >= 0 ? value : fallback;

/**
 * The upper bound of attempt `attempt`'s delay: `min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1))`,
 * the value {@link backoffDelay} draws below. Never NaN nor infinite, whatever the attempt number.
 *
 * @param attempt - 1-based attempt number; values below 1 (or NaN) count as 1.
 */
export function backoffCap(attempt: number, options: BackoffOptions = {}): number {
    // setTimeout fires at once for delays above 2^31 − 1 ms: that is the largest usable cap.
    // The exponent is clamped (NaN | 0 is 0): the power then overflows to Infinity at worst, which
    // min() caps; `|| 0` turns 0 × Infinity (an initial delay of 0) into 0.
    return (
        Math.min(
            2 ** 31 - 1,
            option(options.maxDelayMs, 10_000),
            option(options.initialDelayMs, 250) *
                Math.max(1, option(options.multiplier, 2)) ** Math.max(0, Math.min(attempt - 1, 1e4) | 0),
        ) || 0
    );
}

/**
 * Delay before retry number `attempt`, by exponential backoff with FULL jitter:
 * `random() × min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1))`, rounded to whole ms.
 * Full jitter spreads the reconnections of many players dropped at once (a server restart)
 * instead of bringing them back in synchronised waves.
 *
 * @param attempt - 1-based attempt number (1 = the first retry after the loss).
 * @param random - source of uniform numbers in [0, 1) (default `Math.random`); inject it in tests.
 * @returns A delay in ms, `0 ≤ delay ≤` {@link backoffCap}.
 *
 * @example
 * ```ts
 * backoffDelay(1, {}, () => 1); // 250
 * backoffDelay(3, {}, () => 1); // 1000
 * backoffDelay(9, {}, () => 1); // 10000 (capped)
 * backoffDelay(3);               // uniform in [0, 1000]
 * ```
 */
export function backoffDelay(
    attempt: number,
    options: BackoffOptions = {},
    random: () => number = Math.random,
): number {
    const r = random();
    // A faulty random source must not produce a NaN or out-of-bounds delay (NaN counts as 1).
    return Math.round(backoffCap(attempt, options) * (r < 0 ? 0 : r < 1 ? r : 1));
}

/**
 * Whether to make retry number `attempt` after `error`: only when the error says it is
 * retryable (a lost connection, not a refusal nor an ended stream) and the attempt is within
 * `maxAttempts`. No error (the app stopped) means no retry.
 *
 * @param attempt - 1-based number of the retry being considered.
 *
 * @example
 * ```ts
 * shouldRetry(1, new RtcError('CONNECTION_LOST', 'socket closed'));            // true
 * shouldRetry(1, new RtcError('ACCESS_DENIED', '403'));                        // false
 * shouldRetry(4, new RtcError('CONNECTION_LOST', 'x'), { maxAttempts: 3 });   // false
 * ```
 */
export function shouldRetry(attempt: number, error: RtcError | undefined, options: BackoffOptions = {}): boolean {
    return error?.retryable === true && attempt >= 1 && attempt <= option(options.maxAttempts, Infinity);
}
