#!/usr/bin/env node
// Runs the benchmarks and prints a summary table. Benchmarks print measured figures; none asserts a
// wall-clock limit. Every bench drives Debian's Chromium (or Playwright's own) against the reference
// server on 127.0.0.1; as root, everything runs inside a fresh network namespace whose only
// interface is `lo` (as e2e/run.mjs does).
//
//   npm run bench                          # build if dist/ is missing or stale, then all benches
//   npm run bench -- first-frame reconnect # only these
//   npm run bench -- --no-build            # use dist/ as it is
//   BENCH_RUNS=5 npm run bench             # fewer runs (first-frame, reconnect)
import { ensureLoopbackOnly } from '../e2e/loopback.mjs';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const BENCHES = [
    { name: 'first-frame', file: 'bench/first-frame.ts', timeoutMs: 7 * 60_000 },
    { name: 'glass-to-glass', file: 'bench/glass-to-glass.ts', timeoutMs: 5 * 60_000 },
    { name: 'reconnect', file: 'bench/reconnect.ts', timeoutMs: 6 * 60_000 },
    { name: 'relay-load', file: 'bench/relay-load.ts', timeoutMs: 5 * 60_000 },
];

const args = process.argv.slice(2);
const noBuild = args.includes('--no-build');
const wanted = args.filter((a) => !a.startsWith('--'));
const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
if (unknown.length) {
    console.error(`unknown bench: ${unknown.join(', ')} (known: ${BENCHES.map((b) => b.name).join(', ')})`);
    process.exit(2);
}
const selected = wanted.length ? BENCHES.filter((b) => wanted.includes(b.name)) : BENCHES;

// ---------------------------------------------------------------- loopback-only namespace
ensureLoopbackOnly('bench');
const childEnv = { ...process.env };
// Outside a namespace (ensureLoopbackOnly warned once), the benches would only warn again.
if (process.env.RTCWIRE_NETNS !== '1') childEnv.RTCWIRE_NO_NETNS = '1';

// ---------------------------------------------------------------- build when dist/ is missing or stale
const OUTPUTS = ['dist/rtcwire.iife.js', 'dist/rtcwire.js'];
const INPUTS = ['src', 'rollup.config.mjs', 'package.json', 'tsconfig.json'];
function newestMtime(p) {
    if (!existsSync(p)) return 0;
    const st = statSync(p);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(0, ...readdirSync(p).map((e) => newestMtime(path.join(p, e))));
}
const builtAt = Math.min(...OUTPUTS.map((o) => (existsSync(o) ? statSync(o).mtimeMs : 0)));
const stale = builtAt === 0 || Math.max(...INPUTS.map(newestMtime)) > builtAt;
if (stale && !noBuild) {
    console.log(`[bench] dist/ is ${builtAt === 0 ? 'missing' : 'older than its sources'}: npm run build`);
    const build = spawnSync('npm', ['run', 'build'], {
        stdio: 'inherit',
        env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    if (build.status !== 0) {
        console.error('[bench] the build failed; fix it (or pass --no-build to use dist/ as it is)');
        process.exit(1);
    }
} else if (stale) {
    console.warn('[bench] dist/ looks stale; --no-build given, using it as it is');
}
if (!existsSync('dist/rtcwire.iife.js')) {
    console.error('[bench] dist/rtcwire.iife.js is missing');
    process.exit(1);
}

// ---------------------------------------------------------------- run
/** Runs one bench; echoes its output, collects its `BENCH_RESULT {…}` line. */
function runBench(bench) {
    return new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, ['--import', 'tsx', bench.file], {
            stdio: ['ignore', 'pipe', 'inherit'],
            env: childEnv,
        });
        let result;
        createInterface({ input: child.stdout }).on('line', (line) => {
            if (line.startsWith('BENCH_RESULT ')) {
                try {
                    result = JSON.parse(line.slice('BENCH_RESULT '.length));
                } catch {
                    console.log(line);
                }
            } else console.log(line);
        });
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), 10_000).unref();
        }, bench.timeoutMs);
        child.on('exit', (code, signal) => {
            clearTimeout(timer);
            resolve({ bench, code, signal, timedOut, result, seconds: (Date.now() - started) / 1000 });
        });
    });
}

console.log(
    `[bench] ${new Date().toISOString()} — ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), Node ${process.version}`,
);
const outcomes = [];
for (const bench of selected) {
    console.log(`\n=== ${bench.name}: node --import tsx ${bench.file}\n`);
    outcomes.push(await runBench(bench));
}

// ---------------------------------------------------------------- summary
const rows = [];
for (const o of outcomes) {
    const status = o.timedOut ? 'timed out' : o.code === 0 ? 'ok' : `failed (${o.signal ?? `exit ${o.code}`})`;
    const figures = o.result?.rows ?? [];
    if (!figures.length) rows.push([o.bench.name, '(no figures)', status]);
    for (const f of figures) rows.push([o.bench.name, f.figure, f.value]);
}
const header = ['bench', 'figure', 'value'];
const widths = header.map((_, i) => Math.max(...[header, ...rows].map((r) => r[i].length)));
const line = (r) =>
    r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
console.log('\n=== summary\n');
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log('');
for (const o of outcomes) {
    const status = o.timedOut ? 'TIMED OUT' : o.code === 0 ? 'ok' : `FAILED (${o.signal ?? `exit ${o.code}`})`;
    console.log(`${status.padEnd(9)} ${o.seconds.toFixed(0).padStart(4)} s  node --import tsx ${o.bench.file}`);
}
console.log(`(all: npm run bench${args.length ? ` -- ${args.join(' ')}` : ''})`);
process.exit(outcomes.every((o) => o.code === 0 && !o.timedOut) ? 0 : 1);
