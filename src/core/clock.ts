/** Milliseconds on a monotonic clock (`performance.now()`), read at call time, never at import. */
export function now(): number {
    return performance.now();
}
