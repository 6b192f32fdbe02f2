#!/usr/bin/env node
// Runs the end-to-end suite (vitest + Playwright-driven Chromium against the reference server).
// Anything that opens WebRTC connections must only ever reach loopback, so when we are root and
// `unshare` exists, the suite re-executes itself inside a fresh network namespace whose only
// interface is `lo`. Elsewhere it runs as is (the server still binds and advertises 127.0.0.1 only).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = process.argv.slice(2);
const inNamespace = process.env.RTCWIRE_NETNS === '1';
const canUnshare =
    process.platform === 'linux' &&
    typeof process.getuid === 'function' &&
    process.getuid() === 0 &&
    existsSync('/usr/bin/unshare') &&
    process.env.RTCWIRE_NO_NETNS !== '1';

function run(command, commandArgs, env = process.env) {
    const result = spawnSync(command, commandArgs, { stdio: 'inherit', env });
    if (result.error) throw result.error;
    return result.status ?? 1;
}

let status;
if (!inNamespace && canUnshare) {
    const quoted = [process.execPath, ...process.argv.slice(1)].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    status = run('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec ${quoted}`], {
        ...process.env,
        RTCWIRE_NETNS: '1',
    });
} else {
    if (!inNamespace)
        console.warn('[e2e] no loopback-only network namespace here; running on the host (loopback only).');
    status = run(process.execPath, [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--config',
        'e2e/vitest.config.ts',
        ...args,
    ]);
}
process.exit(status);
