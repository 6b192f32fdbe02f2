// Anything that opens WebRTC connections must only ever reach loopback. When we are root on Linux
// and `unshare` exists, ensureLoopbackOnly() re-executes the current process inside a fresh network
// namespace that reaches nothing but itself, and exits with the child's status; it returns when
// already inside, or when that is not possible (servers still bind and advertise 127.0.0.1 only).
// Used by e2e/run.mjs, bench/, and demo/dev/screenshot.mjs. RTCWIRE_NO_NETNS=1 opts out.
//
// The namespace has `lo` and, for Firefox, a veth pair whose two ends are both inside it. Firefox
// filters loopback interfaces out of ICE and gathers its host candidate on the interface of the
// default route (media.peerconnection.ice.default_address_only): without one it gathers nothing.
// So `rtcw0` holds 127.0.0.3/32 and carries the default route with that source address
// (route_localnet lets a 127/8 address be used off `lo`): Firefox's candidate is 127.0.0.3, and its
// packets to the server's 127.0.0.1 go over `lo` like every other local packet. Anything sent
// elsewhere goes out of rtcw0 into rtcw1, in the same namespace, and is dropped there.
const NAMESPACE_SETUP = [
    'ip link set lo up',
    'ip link add rtcw0 type veth peer name rtcw1',
    'ip addr add 127.0.0.3/32 dev rtcw0',
    'ip link set rtcw0 up',
    'ip link set rtcw1 up',
    'echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet',
    'echo 1 > /proc/sys/net/ipv4/conf/rtcw0/route_localnet',
    'ip route add default dev rtcw0 src 127.0.0.3',
].join(' && ');
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
    const result = spawnSync('unshare', ['-n', 'sh', '-c', `${NAMESPACE_SETUP} && exec ${quoted}`], {
        stdio: 'inherit',
        env: { ...process.env, RTCWIRE_NETNS: '1' },
    });
    if (result.error) throw result.error;
    process.exit(result.status ?? 1);
}
