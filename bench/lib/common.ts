/**
 * Shared pieces of the benchmarks: loopback-only re-exec, the e2e fixtures (Chromium, reference
 * server, SDK page), statistics and table printing. Benchmarks print figures; they never assert
 * wall-clock limits.
 */

import { readFileSync } from 'node:fs';
import os from 'node:os';

import type { Browser } from 'playwright-core';
import {
    installPageHelpers,
    launchBrowser,
    openSdkPage,
    startRefServer,
    type CheckedPage,
    type RefServer,
} from '../../e2e/harness';

export {
    installPageHelpers,
    launchBrowser,
    publishCamera,
    startRefServer,
    waitFor,
    type RefServer,
} from '../../e2e/harness';

/**
 * tsx compiles with esbuild's keepNames, so functions handed to `page.evaluate` may call a
 * `__name` helper that only exists in Node: define a no-op one in the page (as a string, which
 * tsx does not transform) before any such call.
 */
const NAME_SHIM = 'globalThis.__name = globalThis.__name || ((f) => f)';

/** The SDK test page (`/demo/sdk.html`) with the `__name` shim and, optionally, the e2e page helpers. */
export async function openPage(browser: Browser, server: RefServer, helpers = true): Promise<CheckedPage> {
    const tab = await openSdkPage(browser, server);
    await tab.page.addInitScript(NAME_SHIM);
    await tab.page.evaluate(NAME_SHIM);
    if (helpers) await installPageHelpers(tab.page);
    return tab;
}

export { ensureLoopbackOnly } from '../../e2e/loopback.mjs';

/** Kills the process after `ms` (a last resort: every bench also bounds its own loops). */
export function hardDeadline(ms: number, tag: string, cleanup?: () => Promise<unknown>): void {
    const timer = setTimeout(async () => {
        console.error(`[${tag}] hard deadline of ${Math.round(ms / 1000)} s reached; stopping.`);
        const force = setTimeout(() => process.exit(2), 10_000);
        force.unref();
        try {
            await cleanup?.();
        } finally {
            process.exit(2);
        }
    }, ms);
    timer.unref();
}

/**
 * A bench's reference server (with `serverOptions`) and Chromium, and `cleanup` closing both;
 * the process stops after `deadlineMs` whatever happens ({@link hardDeadline}).
 */
export async function benchFixture(
    tag: string,
    serverOptions: Parameters<typeof startRefServer>[0],
    deadlineMs: number,
): Promise<{ server: RefServer; browser: Browser; cleanup: () => Promise<void> }> {
    const server = await startRefServer(serverOptions);
    const browser = await launchBrowser();
    const cleanup = async () => {
        await browser.close().catch(() => undefined);
        await server.close().catch(() => undefined);
    };
    hardDeadline(deadlineMs, tag, cleanup);
    return { server, browser, cleanup };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Value at quantile `q` (0..1) of `values`, nearest-rank on the sorted list. */
export function quantile(values: number[], q: number): number {
    if (!values.length) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const rank = Math.ceil(q * sorted.length) - 1;
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export function median(values: number[]): number {
    if (!values.length) return NaN;
    const sorted = [...values].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Summary {
    n: number;
    median: number;
    p90: number;
    min: number;
    max: number;
}

export function summarize(values: number[]): Summary {
    return {
        n: values.length,
        median: median(values),
        p90: quantile(values, 0.9),
        min: values.length ? Math.min(...values) : NaN,
        max: values.length ? Math.max(...values) : NaN,
    };
}

export function fmt(value: number | undefined, digits = 0): string {
    return value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
}

/** Prints a fixed-width table; the first column is left-aligned, the others right-aligned. */
export function printTable(header: string[], rows: (string | number)[][]): void {
    const cells = [header, ...rows.map((r) => r.map(String))];
    const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) =>
        r
            .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
            .join('  ')
            .trimEnd();
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of cells.slice(1)) console.log(line(r));
}

/** One machine-readable line for bench/run.mjs's summary: `BENCH_RESULT {"bench":…,"rows":[…]}`. */
export function emitResult(bench: string, rows: { figure: string; value: string }[]): void {
    console.log(`BENCH_RESULT ${JSON.stringify({ bench, rows })}`);
}

/** A one-line description of the machine for the report header. */
export function machine(): string {
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    return `${os.cpus().length} cores (${cpu.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Busy and total jiffies of all CPUs (from /proc/stat), for machine-wide CPU % over a window. */
export function machineCpu(): { busy: number; total: number } | undefined {
    try {
        const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
        const v = line.trim().split(/\s+/).slice(1).map(Number);
        const idle = (v[3] ?? 0) + (v[4] ?? 0);
        const total = v.reduce((a, b) => a + b, 0);
        return { busy: total - idle, total };
    } catch {
        return undefined;
    }
}
