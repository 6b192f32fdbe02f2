/**
 * Glass-to-glass latency per latency mode: a publisher page draws its clock into every frame (a
 * 42-bit barcode of `performance.timeOrigin + performance.now()`, in ms, on a canvas it publishes
 * with a Streamer); a player page reads the barcode of each frame it presents
 * (`requestVideoFrameCallback`) and subtracts it from the frame's expected display time. Both pages
 * run in one browser, on one clock.
 *
 *   node --import tsx bench/glass-to-glass.ts        (or `npm run bench -- glass-to-glass`)
 *   BENCH_SECONDS=5 node --import tsx bench/glass-to-glass.ts
 */
import {
    benchFixture,
    emitResult,
    ensureLoopbackOnly,
    fmt,
    machine,
    openPage,
    printTable,
    quantile,
    sleep,
    summarize,
} from './lib/common';

ensureLoopbackOnly('glass-to-glass');

const SECONDS = Math.max(2, Math.min(60, Number(process.env.BENCH_SECONDS) || 8));
const MODES = ['lowest', 'balanced', 200] as const;
/** The barcode: BITS squares of CELL px, two rows (the second one the bits inverted, for a check). */
const BITS = 42;
const CELL = 16;

const { server, browser, cleanup } = await benchFixture('glass-to-glass', { playWaitMs: 5000 }, 5 * 60_000);
console.log(`glass-to-glass: ${SECONDS} s per mode; Chromium ${browser.version()}; ${machine()}`);
const ws = server.url.replace('http', 'ws');
const stream = 'g2g';

// Publisher: a canvas stamped with the clock at every frame, 30 fps, published with a Streamer.
const pub = await openPage(browser, server);
await pub.page.evaluate(
    async ({ ws, stream, BITS, CELL }) => {
        const { rtcwire, t } = window as any;
        const canvas = document.createElement('canvas');
        canvas.width = 640;
        canvas.height = 360;
        document.body.appendChild(canvas);
        const g = canvas.getContext('2d')!;
        const draw = () => {
            const now = Math.round(performance.timeOrigin + performance.now());
            g.fillStyle = '#808080';
            g.fillRect(0, 0, canvas.width, canvas.height);
            for (let i = 0; i < BITS; i++) {
                const bit = Math.floor(now / 2 ** i) % 2;
                g.fillStyle = bit ? '#fff' : '#000';
                g.fillRect((i % 20) * CELL * 2, Math.floor(i / 20) * CELL * 2, CELL * 2, CELL * 2);
                g.fillStyle = bit ? '#000' : '#fff';
                g.fillRect((i % 20) * CELL * 2, 160 + Math.floor(i / 20) * CELL * 2, CELL * 2, CELL * 2);
            }
        };
        draw();
        setInterval(draw, 1000 / 30);
        const media = canvas.captureStream(30);
        const streamer = new rtcwire.Streamer({ videoCodec: 'VP8', minBitrate: 1_500_000, startBitrate: 2_000_000 });
        t.store.streamer = streamer;
        await new Promise<void>((resolve, reject) => {
            streamer.on('state', (s: string) => s === 'streaming' && resolve());
            streamer.on('stop', (e: any) => reject(new Error(`streamer stopped: ${e?.code} ${e?.message}`)));
            streamer.start(media, { endPoint: ws, streamName: stream });
        });
    },
    { ws, stream, BITS, CELL },
);
await sleep(2000);

const play = await openPage(browser, server);

/** One mode: a Player with `latency`, barcodes read for `seconds`; the latencies in ms. */
async function measure(latency: (typeof MODES)[number]): Promise<{ samples: number[]; unreadable: number }> {
    return play.page.evaluate(
        async ({ ws, stream, latency, seconds, BITS, CELL }) => {
            const { rtcwire } = window as any;
            const video = document.createElement('video');
            video.muted = true;
            video.autoplay = true;
            video.playsInline = true;
            document.body.appendChild(video);
            const canvas = document.createElement('canvas');
            canvas.width = 640;
            canvas.height = 360;
            const g = canvas.getContext('2d', { willReadFrequently: true })!;
            const player = new rtcwire.Player(video, { latency, reconnect: false });
            const samples: number[] = [];
            let unreadable = 0;
            try {
                await new Promise((resolve, reject) => {
                    player.once('start', resolve);
                    player.once('stop', (e: any) =>
                        reject(new Error(`player stopped: ${e?.code} ${e?.message} ${e?.cause?.message ?? ''}`)),
                    );
                    player.start({ endPoint: ws, streamName: stream });
                });
                // The jitter buffer settles in the first second.
                await new Promise((r) => setTimeout(r, 1500));
                const end = performance.now() + seconds * 1000;
                await new Promise<void>((resolve) => {
                    const onFrame = (_now: number, meta: { expectedDisplayTime: number }) => {
                        g.drawImage(video, 0, 0, canvas.width, canvas.height);
                        const { data } = g.getImageData(0, 0, canvas.width, canvas.height);
                        const lum = (x: number, y: number) => data[(y * canvas.width + x) * 4]!;
                        let captured = 0;
                        let ok = true;
                        for (let i = 0; i < BITS; i++) {
                            const x = (i % 20) * CELL * 2 + CELL;
                            const y = Math.floor(i / 20) * CELL * 2 + CELL;
                            const bit = lum(x, y) > 128;
                            if (bit === lum(x, y + 160) > 128) ok = false;
                            if (bit) captured += 2 ** i;
                        }
                        if (ok) samples.push(performance.timeOrigin + meta.expectedDisplayTime - captured);
                        else unreadable++;
                        if (performance.now() < end) (video as any).requestVideoFrameCallback(onFrame);
                        else resolve();
                    };
                    (video as any).requestVideoFrameCallback(onFrame);
                });
            } finally {
                player.stop();
                video.remove();
            }
            return { samples, unreadable };
        },
        { ws, stream, latency, seconds: SECONDS, BITS, CELL },
    );
}

const rows: string[][] = [];
const summary: { figure: string; value: string }[] = [];
for (const mode of MODES) {
    const { samples, unreadable } = await measure(mode);
    const s = summarize(samples);
    const p95 = quantile(samples, 0.95);
    rows.push([String(mode), String(s.n), String(unreadable), fmt(s.median), fmt(p95), fmt(s.min), fmt(s.max)]);
    summary.push({
        figure: `latency '${mode}' glass-to-glass median / p95`,
        value: `${fmt(s.median)} / ${fmt(p95)} ms (n=${s.n})`,
    });
    await sleep(500);
}
console.log('\nms from the frame drawn on the publisher canvas to its expected display on the player');
printTable(['latency', 'frames', 'unreadable', 'median', 'p95', 'min', 'max'], rows);
emitResult('glass-to-glass', summary);

await cleanup();
process.exit(0);
