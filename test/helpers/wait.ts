/** Waiting helpers shared by the unit tests (real timers unless a test installs fake ones). */

/** Resolves after `ms` milliseconds of (real or fake) timer time. */
export const delay = (ms = 0): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Lets pending microtasks and zero-delay timers run (one macrotask turn). */
export const flush = (): Promise<void> => delay(0);

/** Polls `condition` every 5 ms until it holds; rejects naming `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await delay(5);
    }
}
