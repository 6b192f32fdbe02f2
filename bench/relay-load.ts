/**
 * Relay load and scale: one publisher (Streamer, fake camera 640x360@30 + audio) and K players
 * (K = 0, 1, 10, 50) of its stream, all over WebSocket signaling, in one page and — above 10 — also
 * spread over pages of 10. For each run, over a fixed window: per-player received video fps,
 * packet loss and bitrate; the server process's CPU (process.cpuUsage in its own process) and the
 * browser's CPU (every Chromium process, from /proc), each in total and per player above the
 * publisher-only run (K=0), so that the cost of growth shows; the pages' JavaScript
 * time (CDP `ScriptDuration`: the SDK's own cost) per player; and the machine's CPU (/proc/stat).
 * Bounded: about 3 min, hard stop at 280 s.
 *
 *   node --import tsx bench/relay-load.ts          (or `npm run bench -- relay-load`)
 *   BENCH_PLAYERS=1,5 node --import tsx bench/relay-load.ts
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import {
    emitResult,
    ensureLoopbackOnly,
    fmt,
    hardDeadline,
    launchBrowser,
    machine,
    machineCpu,
    median,
    openPage,
    publishCamera,
    printTable,
    sleep,
    type RefServer,
} from './lib/common';

ensureLoopbackOnly('relay-load');

const COUNTS = (process.env.BENCH_PLAYERS ?? '0,1,10,50')
    .split(',')
    .map(Number)
    .filter((k) => Number.isInteger(k) && k >= 0 && k <= 60);
const PER_PAGE = 10;
const WARMUP_MS = 3000;
const WINDOW_MS = 5000;
const BUDGET_MS = 230_000; // no new run starts after this
/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of /proc CPU times. */
const TICKS_PER_S = 100;
const started = Date.now();

// ---------------------------------------------------------------- server in its own process
const child: ChildProcess = fork(fileURLToPath(new URL('./lib/server-child.ts', import.meta.url)), {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const ask = <T>(cmd: string, key: string): Promise<T> =>
    new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server child did not answer ${cmd}`)), 5000);
        const onMessage = (msg: any) => {
            if (msg && key in msg) {
                clearTimeout(timer);
                child.off('message', onMessage);
                resolve(msg as T);
            }
        };
        child.on('message', onMessage);
        if (cmd) child.send({ cmd });
    });
const { url } = await ask<{ url: string }>('', 'url');
const server = { url } as RefServer; // openSdkPage only needs the URL
const cpuNow = () => ask<{ cpu: NodeJS.CpuUsage; at: number }>('cpu', 'cpu');
const streams = () => ask<{ streams: { name: string; players: number }[] }>('streams', 'streams');

const browser = await launchBrowser();
const cleanup = async () => {
    await browser.close().catch(() => undefined);
    if (child.connected) child.send({ cmd: 'close' });
    else child.kill();
    await sleep(300);
    if (child.exitCode === null) child.kill('SIGKILL');
};
hardDeadline(280_000, 'relay-load', cleanup);

/**
 * CPU ticks (user + system) of the processes under `root`, but `excluded` and its own: the
 * browser's processes (the server child is ours too, and measured apart).
 */
function treeTicks(root: number, excluded: number | undefined): number {
    const procs = new Map<number, { ppid: number; ticks: number }>();
    for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
            // The command may hold spaces and parentheses: the fields start after the last ')'.
            const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            procs.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
        } catch {
            // The process ended meanwhile.
        }
    }
    const under = (pid: number): boolean => {
        for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
            if (p === excluded) return false;
            if (p === root) return true;
            p = procs.get(p)?.ppid ?? 0;
        }
        return false;
    };
    let ticks = 0;
    for (const [pid, proc] of procs) if (pid !== root && under(pid)) ticks += proc.ticks;
    return ticks;
}
console.log(
    `relay-load: K = ${COUNTS.join(', ')}; ${WINDOW_MS / 1000} s window after ${WARMUP_MS / 1000} s warm-up; Chromium ${browser.version()}; ${machine()}`,
);

const stream = 'load';
const ws = url.replace('http', 'ws');

// ---------------------------------------------------------------- publisher
const pub = await openPage(browser, server);
await publishCamera(pub.page, ws, stream);
const pubStats = () =>
    pub.page.evaluate(async () => {
        const pc = (window as any).t.store.streamer.connector?.peerConnection as RTCPeerConnection | undefined;
        let frames = 0,
            limitation = '';
        (await pc?.getStats())?.forEach((s: any) => {
            if (s.type === 'outbound-rtp' && s.kind === 'video') {
                frames += s.framesEncoded ?? 0;
                limitation = s.qualityLimitationReason ?? limitation;
            }
        });
        return { frames, limitation, at: performance.now() };
    });

// ---------------------------------------------------------------- player pages
const MAX_PAGES = 6;
const playerPages: Page[] = [];
const cdp = new Map<Page, CDPSession>();
for (let i = 0; i < MAX_PAGES; i++) {
    const page = (await openPage(browser, server, false)).page;
    playerPages.push(page);
    const session = await page.context().newCDPSession(page);
    await session.send('Performance.enable');
    cdp.set(page, session);
}
/** JavaScript time of `page` so far, s (CDP `ScriptDuration`). */
const scriptSeconds = async (page: Page) => {
    const { metrics } = await cdp.get(page)!.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'ScriptDuration')?.value ?? 0;
};

/** Starts `count` players in `page`; resolves with how many reached `playing` within 20 s. */
const startPlayers = (page: Page, count: number) =>
    page.evaluate(
        async ({ ws, stream, count }) => {
            const { rtcwire } = window as any;
            const w = window as any;
            w.players = [];
            const playing = [];
            for (let i = 0; i < count; i++) {
                const video = document.createElement('video');
                Object.assign(video, { autoplay: true, muted: true, playsInline: true, width: 160, height: 90 });
                document.body.appendChild(video);
                const player = new rtcwire.Player(video, { reconnect: false });
                w.players.push({ player, video });
                playing.push(
                    new Promise<boolean>((resolve) => {
                        const timer = setTimeout(() => resolve(false), 20_000);
                        player.on('state', (s: string) => s === 'playing' && (clearTimeout(timer), resolve(true)));
                        player.on('stop', () => (clearTimeout(timer), resolve(false)));
                    }),
                );
                player.start({ endPoint: ws, streamName: stream });
            }
            return (await Promise.all(playing)).filter(Boolean).length;
        },
        { ws, stream, count },
    );

/** Cumulative inbound video counters of every player of `page`. */
const sample = (page: Page) =>
    page.evaluate(async () => {
        const w = window as any;
        return Promise.all(
            (w.players ?? []).map(async ({ player }: any) => {
                const pc = player.connector?.peerConnection as RTCPeerConnection | undefined;
                const out = { frames: 0, received: 0, lost: 0, bytes: 0, at: performance.now() };
                (await pc?.getStats())?.forEach((s: any) => {
                    if (s.type !== 'inbound-rtp' || s.kind !== 'video') return;
                    out.frames += s.framesDecoded ?? 0;
                    out.received += s.packetsReceived ?? 0;
                    out.lost += s.packetsLost ?? 0;
                    out.bytes += s.bytesReceived ?? 0;
                });
                return out;
            }),
        );
    });

const stopPlayers = (page: Page) =>
    page.evaluate(() => {
        const w = window as any;
        for (const { player, video } of w.players ?? []) {
            player.stop();
            video.remove();
        }
        w.players = [];
    });

// ---------------------------------------------------------------- the runs
const rows: string[][] = [];
const summary: { figure: string; value: string }[] = [];
const notes: string[] = [];
/** The publisher-only run's CPU (K=0), subtracted before dividing by the players. */
let baseline: { server: number; browser: number } | undefined;
/** The runs: every K in one page, and those above PER_PAGE also in pages of PER_PAGE. */
const runs: { k: number; layout: 'one page' | 'pages' }[] = COUNTS.flatMap((k) =>
    k > PER_PAGE
        ? [
              { k, layout: 'one page' as const },
              { k, layout: 'pages' as const },
          ]
        : [{ k, layout: 'one page' as const }],
);
for (const { k, layout } of runs) {
    if (Date.now() - started > BUDGET_MS) {
        notes.push(`K=${k} (${layout}) skipped: time budget used`);
        continue;
    }
    const pageCount = layout === 'one page' ? 1 : Math.min(MAX_PAGES, Math.ceil(k / PER_PAGE));
    // As even as it gets: the first pages take one more when k does not divide.
    const split = Array.from({ length: pageCount }, (_, i) => Math.floor(k / pageCount) + (i < k % pageCount ? 1 : 0));
    const pages = playerPages.filter((_, i) => (split[i] ?? 0) > 0);
    const ok = (await Promise.all(pages.map((p, i) => startPlayers(p, split[i]!)))).reduce((a, b) => a + b, 0);
    await sleep(WARMUP_MS);
    const cpu0 = await cpuNow();
    const m0 = machineCpu();
    const b0 = treeTicks(process.pid, child.pid);
    const js0 = (await Promise.all(pages.map(scriptSeconds))).reduce((a, b) => a + b, 0);
    const p0 = await pubStats();
    const s0 = (await Promise.all(pages.map(sample))).flat();
    await sleep(WINDOW_MS);
    const s1 = (await Promise.all(pages.map(sample))).flat();
    const p1 = await pubStats();
    const js1 = (await Promise.all(pages.map(scriptSeconds))).reduce((a, b) => a + b, 0);
    const b1 = treeTicks(process.pid, child.pid);
    const m1 = machineCpu();
    const cpu1 = await cpuNow();
    // cpuUsage and the child's clock are both in µs.
    const windowUs = cpu1.at - cpu0.at;
    const serverCpu = ((cpu1.cpu.user - cpu0.cpu.user + cpu1.cpu.system - cpu0.cpu.system) / windowUs) * 100;
    const windowS = windowUs / 1e6;
    const browserCpu = ((b1 - b0) / TICKS_PER_S / windowS) * 100;
    const scriptCpu = ((js1 - js0) / windowS) * 100;
    if (k === 0) baseline = { server: serverCpu, browser: browserCpu };
    /** A process's CPU per player: above the publisher-only run (K=0) where there was one. */
    const perPlayer = (pct: number, base = 0) => (k ? fmt((pct - base) / k, 2) : '–');
    const machinePct = m0 && m1 ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * 100 : NaN;
    const pubFps = ((p1.frames - p0.frames) * 1000) / (p1.at - p0.at);
    const per = s1.map((b, i) => {
        const a = s0[i]!;
        const dt = (b.at - a.at) / 1000;
        const got = b.received - a.received;
        const lost = Math.max(0, b.lost - a.lost);
        return {
            fps: (b.frames - a.frames) / dt,
            loss: got + lost ? (lost / (got + lost)) * 100 : 0,
            kbps: ((b.bytes - a.bytes) * 8) / dt / 1000,
        };
    });
    const fps = per.map((p) => p.fps);
    const loss = per.map((p) => p.loss);
    rows.push([
        String(k),
        layout,
        `${ok}/${k}`,
        fmt(pubFps, 1),
        fmt(median(fps), 1),
        fmt(fps.length ? Math.min(...fps) : NaN, 1),
        fmt(loss.length ? loss.reduce((a, b) => a + b, 0) / loss.length : NaN, 2),
        fmt(loss.length ? Math.max(...loss) : NaN, 2),
        fmt(median(per.map((p) => p.kbps))),
        fmt(serverCpu, 1),
        perPlayer(serverCpu, baseline?.server),
        fmt(browserCpu, 0),
        perPlayer(browserCpu, baseline?.browser),
        perPlayer(scriptCpu),
        fmt(machinePct, 0),
        p1.limitation || '–',
    ]);
    summary.push({
        figure: `K=${k} (${layout}): median fps / mean loss / CPU per player: server, browser, page JS`,
        value: k
            ? `${fmt(median(fps), 1)} fps / ${fmt(loss.reduce((a, b) => a + b, 0) / loss.length, 2)} % / ${perPlayer(serverCpu, baseline?.server)}, ${perPlayer(browserCpu, baseline?.browser)}, ${perPlayer(scriptCpu)} %`
            : `server ${fmt(serverCpu, 1)} %`,
    });
    process.stdout.write(`K=${k} (${layout}) done (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
    await Promise.all(pages.map(stopPlayers));
    // Wait (bounded) until the server has ended those sessions.
    for (let i = 0; i < 25; i++) {
        const s = (await streams()).streams.find((x) => x.name === stream);
        if (!s || s.players === 0) break;
        await sleep(200);
    }
}

console.log(
    `\nper run: players playing, publisher encoded fps, per-player received fps (median, min), video packet loss % (mean, max),` +
        `\nreceived kbps (median), CPU in % of one core: the server process and the browser's processes` +
        `\n(total, per player above the publisher-only K=0 run), the pages' JavaScript per player; machine CPU (% of all ${(await import('node:os')).cpus().length} cores), publisher quality limitation`,
);
printTable(
    [
        'K',
        'layout',
        'playing',
        'pub fps',
        'fps med',
        'fps min',
        'loss %',
        'loss max',
        'kbps',
        'server %',
        'server/pl',
        'browser %',
        'browser/pl',
        'JS/pl',
        'machine %',
        'pub limit',
    ],
    rows,
);
for (const n of notes) console.log(n);
console.log(`(total ${((Date.now() - started) / 1000).toFixed(0)} s)`);
emitResult('relay-load', summary);

await pub.page.evaluate(() => (window as any).t.store.streamer.stop()).catch(() => undefined);
await cleanup();
process.exit(0);
