/**
 * Reconnection: time from the server dropping the player's signaling socket
 * (`server.faults({ dropSockets: stream })`) to video frames decoded again on the new peer
 * connection, with the Player's default reconnect policy. The publisher uses WHIP (no socket), so
 * only the player's socket is dropped and the publisher keeps streaming.
 *
 *   node --import tsx bench/reconnect.ts          (or `npm run bench -- reconnect`)
 *   BENCH_RUNS=5 node --import tsx bench/reconnect.ts
 */
import {
    benchFixture,
    emitResult,
    ensureLoopbackOnly,
    fmt,
    machine,
    openPage,
    printTable,
    publishCamera,
    sleep,
    summarize,
} from './lib/common';

ensureLoopbackOnly('reconnect');

const RUNS = Math.max(1, Math.min(50, Number(process.env.BENCH_RUNS) || 10));
const RUN_TIMEOUT_MS = 20_000;

const { server, browser, cleanup } = await benchFixture('reconnect', { playWaitMs: 8000, faults: true }, 5 * 60_000);

console.log(`reconnect: ${RUNS} socket drops; Chromium ${browser.version()}; ${machine()}`);
const stream = 'rc';
const ws = server.url.replace('http', 'ws');
const { page } = await openPage(browser, server);

// The publisher uses WHIP (no socket), so the fault drops only the player's socket.
await publishCamera(page, server.url, stream);
await page.evaluate(
    async ({ ws, stream }) => {
        const { t, rtcwire } = window as any;
        const player = new rtcwire.Player(t.video('v'));
        t.store.player = player;
        t.store.log = [];
        player.on('reconnecting', (info: any) =>
            t.store.log.push({ ev: 'reconnecting', at: Date.now(), delayMs: info.delayMs, code: info.error?.code }),
        );
        player.on('state', (s: string) => t.store.log.push({ ev: 'state', at: Date.now(), state: s }));
        player.on('stop', (e: any) => t.store.log.push({ ev: 'stop', at: Date.now(), code: e?.code }));
        await new Promise<void>((resolve, reject) => {
            player.on('state', (s: string) => s === 'playing' && resolve());
            player.on('stop', (e: any) => reject(new Error(`player stopped: ${e?.code} ${e?.message}`)));
            player.start({ endPoint: ws, streamName: stream });
        });
    },
    { ws, stream },
);

/** Resolves once frames are decoded and keep increasing on the player's current peer connection. */
const steady = () =>
    page.evaluate(async (timeoutMs) => {
        const { t } = window as any;
        const deadline = Date.now() + timeoutMs;
        let last = -1;
        while (Date.now() < deadline) {
            const pc = t.store.player.connector?.peerConnection;
            const frames = pc ? (await t.inbound(pc)).framesDecoded : 0;
            if (last > 0 && frames > last + 5) return true;
            last = frames;
            await new Promise((r) => setTimeout(r, 300));
        }
        return false;
    }, RUN_TIMEOUT_MS);

interface Run {
    reconnecting?: number;
    delayMs?: number;
    playing?: number;
    newPc?: number;
    frames?: number;
    reconnects: number;
}

/**
 * Starts watching in the page (before the drop): the time (Date.now, same clock as Node's) at which
 * a new peer connection appears and first decodes a frame, plus the Player's events.
 */
const watch = () =>
    page.evaluate(async (timeoutMs) => {
        const { t } = window as any;
        const player = t.store.player;
        const oldPc = player.connector?.peerConnection;
        const logStart = t.store.log.length;
        t.store.watching = true;
        const deadline = Date.now() + timeoutMs;
        let newPc: number | undefined;
        while (Date.now() < deadline) {
            const pc = player.connector?.peerConnection;
            if (pc && pc !== oldPc) {
                newPc ??= Date.now();
                if ((await t.inbound(pc)).framesDecoded > 0) {
                    const frames = Date.now();
                    const log = t.store.log.slice(logStart);
                    const rec = log.find((e: any) => e.ev === 'reconnecting');
                    const playing = log.find((e: any) => e.ev === 'state' && e.state === 'playing');
                    return {
                        reconnecting: rec?.at,
                        delayMs: rec?.delayMs,
                        playing: playing?.at,
                        newPc,
                        frames,
                        reconnects: log.filter((e: any) => e.ev === 'reconnecting').length,
                    };
                }
            }
            await new Promise((r) => setTimeout(r, 10));
        }
        throw new Error(`no frames on a new peer connection within ${timeoutMs} ms (state ${player.state})`);
    }, RUN_TIMEOUT_MS);

const runs: (Run & { drop: number })[] = [];
const failures: string[] = [];
for (let i = 0; i < RUNS; i++) {
    if (!(await steady())) {
        failures.push(`run ${i + 1}: the player was not decoding before the drop`);
        continue;
    }
    const result = watch();
    await sleep(100); // the watcher has captured the current peer connection
    const drop = Date.now();
    const dropped = server.faults({ dropSockets: stream }).dropped;
    try {
        runs.push({ ...(await result), drop });
    } catch (error) {
        failures.push(`run ${i + 1} (dropped ${String(dropped)} socket): ${(error as Error).message.split('\n')[0]}`);
    }
}

const steps: [string, (r: (typeof runs)[number]) => number | undefined][] = [
    ['drop → reconnecting event', (r) => r.reconnecting && r.reconnecting - r.drop],
    ['backoff delay chosen (delayMs)', (r) => r.delayMs],
    ['drop → new peer connection', (r) => r.newPc && r.newPc - r.drop],
    ['drop → state playing', (r) => r.playing && r.playing - r.drop],
    ['drop → frames decoded on new pc', (r) => r.frames && r.frames - r.drop],
];
const rows: string[][] = [];
for (const [name, get] of steps) {
    const values = runs.map(get).filter((v): v is number => typeof v === 'number');
    const s = summarize(values);
    rows.push([name, String(s.n), fmt(s.median), fmt(s.p90), fmt(s.min), fmt(s.max)]);
}
console.log(
    '\nms after server.faults({ dropSockets }) (Date.now in Node and in the page: same clock, 1 ms resolution)',
);
printTable(['step', 'n', 'median', 'p90', 'min', 'max'], rows);
console.log(`reconnecting events per drop: ${runs.map((r) => r.reconnects).join(', ')}`);
if (failures.length) console.log(`${failures.length} failed run(s):\n  ${failures.join('\n  ')}`);
const total = summarize(runs.map((r) => r.frames! - r.drop));
const withoutDelay = summarize(runs.filter((r) => r.delayMs !== undefined).map((r) => r.frames! - r.drop - r.delayMs!));
emitResult('reconnect', [
    { figure: 'drop → frames again median / p90', value: `${fmt(total.median)} / ${fmt(total.p90)} ms (n=${total.n})` },
    {
        figure: 'same minus the backoff delay, median / p90',
        value: `${fmt(withoutDelay.median)} / ${fmt(withoutDelay.p90)} ms`,
    },
]);
console.log(`minus the backoff delay: median ${fmt(withoutDelay.median)} ms, p90 ${fmt(withoutDelay.p90)} ms`);

await page.evaluate(() => {
    const { t } = window as any;
    t.store.player.stop();
    t.store.streamer.stop();
});
await cleanup();
process.exit(0);
