// Anything that opens WebRTC connections must only ever reach loopback. When we are root on Linux
// and `unshare` exists, ensureLoopbackOnly() re-executes the current process inside a fresh network
// namespace whose only interface is `lo`, and exits with the child's status; it returns when already
// inside, or when that is not possible (servers still bind and advertise 127.0.0.1 only).
// Used by e2e/run.mjs, bench/, and demo/dev/screenshot.mjs. RTCWIRE_NO_NETNS=1 opts out.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** @param {string} tag name used in the warning printed when no namespace can be made */
export function ensureLoopbackOnly(tag) {
    if (process.env.RTCWIRE_NETNS === '1') return;
    const canUnshare =
        process.platform === 'linux' &&
        typeof process.getuid === 'function' &&
        process.getuid() === 0 &&
        existsSync('/usr/bin/unshare') &&
        process.env.RTCWIRE_NO_NETNS !== '1';
    if (!canUnshare) {
        console.warn(`[${tag}] no loopback-only network namespace here; running on the host (loopback only).`);
        return;
    }
    const argv = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
    const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = spawnSync('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
        stdio: 'inherit',
        env: { ...process.env, RTCWIRE_NETNS: '1' },
    });
    if (result.error) throw result.error;
    process.exit(result.status ?? 1);
}
