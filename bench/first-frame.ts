/**
 * Time to first frame: from `player.start()` to the first decoded frame shown, per step of the
 * Player's `timings` event, for WebSocket signaling and WHEP against a live publisher (a Streamer
 * with Chromium's fake camera), plus a raw baseline (plain RTCPeerConnection + WebSocket, no SDK).
 *
 *   node --import tsx bench/first-frame.ts        (or `npm run bench -- first-frame`)
 *   BENCH_RUNS=5 node --import tsx bench/first-frame.ts
 *   BENCH_MODES=ws,whep,raw-ws node --import tsx bench/first-frame.ts   (only those modes)
 *   BENCH_PLAYER_OPTIONS='{"metadata":false}' node --import tsx bench/first-frame.ts
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

ensureLoopbackOnly('first-frame');

const RUNS = Math.max(1, Math.min(100, Number(process.env.BENCH_RUNS) || 20));
const ALL_MODES = ['ws', 'whep', 'raw-ws', 'ws-prepared', 'whep-prepared'] as const;
type Mode = (typeof ALL_MODES)[number];
/** `BENCH_MODES=ws,whep,raw-ws` runs only those (e.g. to compare with a build without prepare). */
const wantedModes = process.env.BENCH_MODES?.split(',').map((m) => m.trim());
const MODES = ALL_MODES.filter((mode) => !wantedModes || wantedModes.includes(mode));
/**
 * `BENCH_PLAYER_OPTIONS='{"metadata":false}'`: Player options of every SDK run (JSON), to see what
 * a feature costs the first frame.
 */
const PLAYER_OPTIONS: Record<string, unknown> = JSON.parse(process.env.BENCH_PLAYER_OPTIONS || '{}');
const STEPS = ['socketOpen', 'offerReady', 'answer', 'iceConnected', 'dtlsConnected', 'open', 'firstFrame'] as const;
const RUN_TIMEOUT_MS = 15_000;

const { server, browser, cleanup } = await benchFixture('first-frame', { playWaitMs: 5000 }, 6 * 60_000);

console.log(`first-frame: ${RUNS} runs per mode; Chromium ${browser.version()}; ${machine()}`);
const ws = server.url.replace('http', 'ws');
const stream = 'ff';

// Publisher: a Streamer with the fake camera (640x360@30 + audio), WebSocket signaling.
const pub = await openPage(browser, server);
await publishCamera(pub.page, ws, stream);
// Let the publisher's encoder ramp up and the server cache a GOP.
await sleep(3000);

const play = await openPage(browser, server, false);

/**
 * One SDK run: a new Player on a new <video>; resolves with its `timings`, then stops it. A
 * prepared run calls `prepare()` first and starts once the prepared session is up (the clock
 * starts at `start()`, like a click after a hover).
 */
async function sdkRun(endPoint: string, prepared = false): Promise<Record<string, number>> {
    return play.page.evaluate(
        async ({ endPoint, stream, timeoutMs, prepared, options }) => {
            const { rtcwire } = window as any;
            const video = document.createElement('video');
            video.autoplay = true;
            video.muted = true;
            video.playsInline = true;
            document.body.appendChild(video);
            const player = new rtcwire.Player(video, { ...options, reconnect: false });
            try {
                if (prepared) {
                    player.prepare({ endPoint, streamName: stream });
                    const deadline = performance.now() + timeoutMs;
                    while (!player.prepared) {
                        if (performance.now() > deadline) throw new Error('not prepared within the run timeout');
                        await new Promise((r) => setTimeout(r, 10));
                    }
                }
                return await new Promise<Record<string, number>>((resolve, reject) => {
                    const timer = setTimeout(() => reject(new Error('no timings within the run timeout')), timeoutMs);
                    player.on('timings', (t: Record<string, number>) => {
                        clearTimeout(timer);
                        resolve(t);
                    });
                    player.on('stop', (e: any) => e && reject(new Error(`player stopped: ${e.code} ${e.message}`)));
                    player.start({ endPoint, streamName: stream });
                });
            } finally {
                player.stop();
                video.remove();
            }
        },
        { endPoint, stream, timeoutMs: RUN_TIMEOUT_MS, prepared, options: PLAYER_OPTIONS },
    );
}

/** One raw run: RTCPeerConnection + WebSocket written in the page, the same protocol, no SDK. */
async function rawRun(): Promise<Record<string, number>> {
    return play.page.evaluate(
        async ({ url, timeoutMs }) => {
            const t0 = performance.now();
            const out: Record<string, number> = {};
            const mark = (k: string) => (out[k] ??= Math.round(performance.now() - t0));
            const video = document.createElement('video');
            video.autoplay = true;
            video.muted = true;
            video.playsInline = true;
            document.body.appendChild(video);
            const socket = new WebSocket(url);
            const pc = new RTCPeerConnection();
            try {
                return await new Promise<Record<string, number>>((resolve, reject) => {
                    const timer = setTimeout(
                        () => reject(new Error('no first frame within the run timeout')),
                        timeoutMs,
                    );
                    pc.oniceconnectionstatechange = () => pc.iceConnectionState === 'connected' && mark('iceConnected');
                    pc.onconnectionstatechange = () => pc.connectionState === 'connected' && mark('dtlsConnected');
                    pc.ontrack = (e) => {
                        if (e.track.kind !== 'video') return;
                        video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
                        (video as any).requestVideoFrameCallback(() => {
                            mark('firstFrame');
                            clearTimeout(timer);
                            resolve(out);
                        });
                    };
                    pc.addTransceiver('audio', { direction: 'recvonly' });
                    pc.addTransceiver('video', { direction: 'recvonly' });
                    const socketOpen = new Promise<void>((ok, ko) => {
                        socket.onopen = () => {
                            mark('socketOpen');
                            ok();
                        };
                        socket.onerror = () => ko(new Error('socket error'));
                    });
                    socket.onmessage = async (m) => {
                        const msg = JSON.parse(String(m.data));
                        if (msg.type !== 'on_answer_sdp') return;
                        if (!msg.result) return reject(new Error(`refused: ${msg.message}`));
                        mark('answer');
                        await pc.setRemoteDescription({ type: 'answer', sdp: msg.answer_sdp });
                    };
                    (async () => {
                        const offer = await pc.createOffer();
                        await pc.setLocalDescription(offer);
                        mark('offerReady');
                        await socketOpen;
                        socket.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: offer.sdp }));
                    })().catch(reject);
                });
            } finally {
                pc.close();
                socket.close();
                video.remove();
            }
        },
        { url: `${ws}/webrtc/${stream}`, timeoutMs: RUN_TIMEOUT_MS },
    );
}

const results = {} as Record<Mode, Record<string, number>[]>;
const failures = {} as Record<Mode, string[]>;
for (const mode of MODES) {
    results[mode] = [];
    failures[mode] = [];
}
/** One run of `mode`. */
function run(mode: Mode): Promise<Record<string, number>> {
    switch (mode) {
        case 'ws':
            return sdkRun(ws);
        case 'whep':
            return sdkRun(server.url);
        case 'ws-prepared':
            return sdkRun(ws, true);
        case 'whep-prepared':
            return sdkRun(server.url, true);
        case 'raw-ws':
            return rawRun();
    }
}
const started = Date.now();
// Interleaved (ws, whep, raw, ws, …) so that drift over time affects every mode alike.
for (let i = 0; i < RUNS; i++) {
    for (const mode of MODES) {
        try {
            results[mode].push(await run(mode));
        } catch (error) {
            failures[mode].push((error as Error).message.split('\n')[0]!);
        }
        // Let the server end the previous session before the next one.
        await sleep(300);
    }
}
const elapsed = (Date.now() - started) / 1000;

const rows: string[][] = [];
const summary: { figure: string; value: string }[] = [];
for (const mode of MODES) {
    for (const step of STEPS) {
        const values = results[mode].map((t) => t[step]).filter((v): v is number => typeof v === 'number');
        if (!values.length) continue;
        const s = summarize(values);
        rows.push([mode, step, String(s.n), fmt(s.median), fmt(s.p90), fmt(s.min), fmt(s.max)]);
        if (step === 'firstFrame') {
            summary.push({
                figure: `${mode} start→firstFrame median / p90`,
                value: `${fmt(s.median)} / ${fmt(s.p90)} ms (n=${s.n})`,
            });
        }
    }
}
// Prepared against cold: the target is prepared ≤ 0.3 × cold (medians).
const median = (mode: Mode) => {
    const values = results[mode].map((t) => t.firstFrame).filter((v): v is number => typeof v === 'number');
    return values.length ? summarize(values).median : NaN;
};
for (const [prepared, cold] of [
    ['ws-prepared', 'ws'],
    ['whep-prepared', 'whep'],
] as const) {
    if (!MODES.includes(prepared) || !MODES.includes(cold)) continue;
    summary.push({
        figure: `${prepared} / ${cold} firstFrame median`,
        value: (median(prepared) / median(cold)).toFixed(2),
    });
}
console.log(
    `\nms since start() (raw-ws: since the page began building its own WebSocket + peer connection; *-prepared: ` +
        `prepare() first, start() once prepared, so only firstFrame is timed)`,
);
printTable(['mode', 'step', 'n', 'median', 'p90', 'min', 'max'], rows);
for (const mode of MODES) {
    if (failures[mode].length)
        console.log(`${mode}: ${failures[mode].length} failed run(s): ${[...new Set(failures[mode])].join('; ')}`);
}
console.log(`(${RUNS} runs per mode in ${elapsed.toFixed(0)} s)`);
emitResult('first-frame', summary);

await cleanup();
process.exit(0);
