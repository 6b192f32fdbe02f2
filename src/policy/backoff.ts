import { nonNegative } from '../core/numbers';
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
    /**
     * How many times a `start()` whose session never opened is tried before the facade gives up
     * (default 3, the first try included): a wrong address, a closed port or a wrong path fails
     * fast with a clear error instead of being retried forever. Once a session has opened, losses
     * are retried up to `maxAttempts`.
     */
    startAttempts?: number;
}

/** The defaults of {@link BackoffOptions}. */
export const DEFAULT_BACKOFF: Readonly<Required<BackoffOptions>> = {
    initialDelayMs: 250,
    maxDelayMs: 10_000,
    maxAttempts: Infinity,
    multiplier: 2,
    startAttempts: 3,
};

/** setTimeout fires at once for delays above 2^31 − 1 ms: the largest usable delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The delay before retry number `attempt` after `error`, or `undefined` when there is no retry:
 * only an error whose `retryable` flag is set (a lost connection, not a refusal nor an ended
 * stream) is retried, and only within `maxAttempts`; no error (the app stopped) and
 * `options: false` (reconnection disabled) mean no retry. The delay is drawn by exponential
 * backoff with FULL jitter: `random() × min(maxDelayMs, initialDelayMs × multiplier^(attempt − 1))`,
 * rounded to whole ms. Full jitter spreads the reconnections of many players dropped at once (a
 * server restart) instead of bringing them back in synchronised waves. A server's `Retry-After`
 * (`error.retryAfterMs`) is a floor.
 *
 * @param attempt - 1-based attempt number (1 = the first retry after the loss); below 1 (or NaN): no retry.
 * @param random - source of uniform numbers in [0, 1) (default `Math.random`); inject it in tests.
 * @returns A delay in ms, `0 ≤ delay ≤ 2^31 − 1` (and `≤ maxDelayMs` unless the server asked for
 * longer), never NaN, whatever the attempt number; or `undefined`.
 *
 * @example
 * ```ts
 * const lost = new RtcError('CONNECTION_LOST', 'socket closed');
 * retryDelay(1, lost, {}, () => 1); // 250
 * retryDelay(3, lost, {}, () => 1); // 1000
 * retryDelay(9, lost, {}, () => 1); // 10000 (capped)
 * retryDelay(3, lost);              // uniform in [0, 1000]
 * retryDelay(1, new RtcError('ACCESS_DENIED', '403'));                     // undefined
 * retryDelay(4, lost, { maxAttempts: 3 });                                 // undefined
 * ```
 * @internal
 */
export function retryDelay(
    attempt: number,
    error: RtcError | undefined,
    options: BackoffOptions | false = {},
    random: () => number = Math.random,
): number | undefined {
    if (!options || !error?.retryable) return undefined;
    const maxAttempts = nonNegative(options.maxAttempts, DEFAULT_BACKOFF.maxAttempts);
    if (!(attempt >= 1 && attempt <= maxAttempts)) return undefined;
    const initial = nonNegative(options.initialDelayMs, DEFAULT_BACKOFF.initialDelayMs);
    const multiplier = Math.max(1, nonNegative(options.multiplier, DEFAULT_BACKOFF.multiplier));
    const cap = Math.min(MAX_TIMER_MS, nonNegative(options.maxDelayMs, DEFAULT_BACKOFF.maxDelayMs));
    // A huge attempt number overflows the power to Infinity, which the cap bounds; 0 × Infinity
    // (an initial delay of 0) is NaN, which means no wait.
    const bound = Math.min(cap, initial * multiplier ** (attempt - 1));
    const upper = Number.isNaN(bound) ? 0 : bound;
    // A faulty random source must not produce a NaN or out-of-bounds delay (NaN counts as 1).
    const r = random();
    const jitter = r >= 0 && r < 1 ? r : r < 0 ? 0 : 1;
    const delay = Math.round(upper * jitter);
    // The server's own Retry-After wins over a shorter backoff.
    return Math.min(MAX_TIMER_MS, Math.max(delay, error.retryAfterMs ?? 0));
}
