/**
 * Re-executes the current process inside a loopback-only network namespace when possible (root,
 * Linux, `unshare`), exiting with the child's status; returns when already inside or not possible.
 */
export function ensureLoopbackOnly(tag: string): void;
