/**
 * Stream metadata, timed data and control over WHEP (issue 11), in real Chromium against the
 * reference server, with the SDK's <script> build: the metadata WebSocket follows a publisher
 * coming and going; a publisher's timed data (a JSON item a second on its data channel) reaches
 * players over WebSocket and WHEP sessions in the media clock of their `playing` events, and over
 * the data WebSocket where a session has no data channel; a WHEP player switches simulcast layers
 * through MistControl.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
    installPageHelpers,
    launchBrowser,
    openSdkPage,
    releaseTab,
    startRefServer,
    waitFor,
    type CheckedPage,
    type RefServer,
} from './harness';

let browser: Browser;
let server: RefServer;
let tab: CheckedPage;
let name = 0;
const streamName = () => `meta${++name}-${Date.now() % 100000}`;

beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 5000 });
    browser = await launchBrowser();
});
afterAll(async () => {
    await browser?.close();
    await server?.close();
});
afterEach(async () => {
    // Every test leaves no live peer connection behind and no page error.
    if (!tab) return;
    await tab.page.evaluate(() => clearInterval((window as any).t.store.ticker));
    await releaseTab(tab);
});

async function newTab(): Promise<CheckedPage> {
    tab = await openSdkPage(browser, server);
    await installPageHelpers(tab.page);
    return tab;
}

/**
 * Publishes the fake camera as `stream` with a Streamer that sends `{ n, at }` as timed data every
 * 500 ms once its data channel is open; resolves once it streams.
 */
async function publishWithData(stream: string, options: Record<string, unknown> = {}): Promise<void> {
    await tab.page.evaluate(
        async ({ stream, endPoint, options }) => {
            const { t, rtcwire } = window as any;
            const camera: MediaStream = await t.camera();
            t.store.camera = { stop: () => camera.getTracks().forEach((track) => track.stop()) };
            const streamer = new rtcwire.Streamer(options);
            t.store.streamer = streamer;
            t.store.sent = [];
            let n = 0;
            t.store.ticker = setInterval(() => {
                const item = { n, at: Date.now() };
                if (streamer.sendData(item)) {
                    t.store.sent.push(item);
                    n++;
                }
            }, 500);
            await new Promise<void>((resolve, reject) => {
                streamer.on('state', (s: string) => s === 'streaming' && resolve());
                streamer.on('stop', (e: any) => reject(new Error(`streamer stopped: ${e?.code} ${e?.message}`)));
                streamer.start(camera, { endPoint, streamName: stream });
            });
        },
        { stream, endPoint: server.url.replace('http', 'ws'), options },
    );
}

/**
 * Plays `stream` from `endPoint` with a Player that records its `data` items, each with the last
 * `playing` position and how long ago it came, and its metadata; resolves once it plays.
 */
async function playRecordingData(stream: string, endPoint: string, options: Record<string, unknown> = {}) {
    await tab.page.evaluate(
        async ({ stream, endPoint, options }) => {
            const { t, rtcwire } = window as any;
            const player = new rtcwire.Player(t.video('v'), options);
            t.store.player = player;
            t.store.items = [];
            t.store.playing = [];
            let last: { current: number; at: number } | undefined;
            player.on('playing', (infos: any) => {
                last = { current: infos.current, at: performance.now() };
                t.store.playing.push(infos.current);
            });
            player.on('data', (time: number, track: number, data: any) =>
                t.store.items.push({
                    time,
                    track,
                    data,
                    // Where playback was when the item came: the last position plus the time since.
                    position: last ? last.current + (performance.now() - last.at) : undefined,
                }),
            );
            await new Promise<void>((resolve, reject) => {
                player.on('state', (s: string) => s === 'playing' && resolve());
                player.on('stop', (e: any) => reject(new Error(`player stopped: ${e?.code} ${e?.message}`)));
                player.start({ endPoint, streamName: stream });
            });
        },
        { stream, endPoint, options },
    );
}

/** What the player recorded: its items, its metadata's data tracks, how it got them. */
function recorded() {
    return tab.page.evaluate(() => {
        const { t } = window as any;
        const player = t.store.player;
        return {
            items: t.store.items as { time: number; track: number; data: { n: number }; position?: number }[],
            playing: t.store.playing as number[],
            dataTracks: (player.metadata?.datas ?? []).map((d: any) => ({ index: d.index, codec: d.codec })),
            channel: player.connector?.dataChannel as string | undefined,
        };
    });
}

/** Timed data in sync: every item of the stream's data track, in order, stamped near the playback position. */
async function expectTimedDataInSync(channel: 'open' | 'none'): Promise<void> {
    const result = (await waitFor(async () => {
        const r = await recorded();
        return r.items.length >= 4 && r.dataTracks.length === 1 ? r : undefined;
    }, 20_000))!;
    expect(result.channel).toBe(channel);
    expect(result.dataTracks[0]!.codec).toBe('JSON');
    const track = result.dataTracks[0]!.index;
    const ns = result.items.map((item) => item.data.n);
    for (const item of result.items) expect(item.track).toBe(track);
    // In order, none lost once they flow (each n one more than the one before).
    expect(ns).toEqual(ns.map((_, i) => ns[0]! + i));
    // The media clock: items are stamped where the server's playback position is.
    const timed = result.items.filter((item) => item.position !== undefined);
    expect(timed.length).toBeGreaterThan(0);
    for (const item of timed) expect(Math.abs(item.time - item.position!)).toBeLessThan(2000);
}

describe('stream metadata over the WebSocket', () => {
    it('follows the stream: offline, then online with its tracks when a publisher starts, offline when it stops', async () => {
        await newTab();
        const stream = streamName();
        await tab.page.evaluate(
            ({ stream, endPoint }) => {
                const { t, rtcwire } = window as any;
                const followed = new rtcwire.StreamMetadata({ endPoint, streamName: stream });
                t.store.followed = followed;
                t.store.states = [];
                t.store.documents = [];
                followed.on('state', (state: string) => t.store.states.push(state));
                followed.on('metadata', (m: any) =>
                    t.store.documents.push({ videos: m.videos.length, audios: m.audios.length }),
                );
            },
            { stream, endPoint: server.url.replace('http', 'ws') },
        );
        const states = () => tab.page.evaluate(() => (window as any).t.store.states as string[]);
        await waitFor(async () => (await states()).includes('offline'));
        await publishWithData(stream);
        await waitFor(async () => (await states()).includes('online'), 15_000);
        const online = await tab.page.evaluate(() => {
            const { t } = window as any;
            return { transport: t.store.followed.transport, documents: t.store.documents };
        });
        expect(online.transport).toBe('websocket');
        expect(online.documents.at(-1)).toMatchObject({ audios: 1 });
        expect(online.documents.at(-1).videos).toBeGreaterThanOrEqual(1);
        await tab.page.evaluate(() => (window as any).t.store.streamer.stop());
        await waitFor(async () => (await states()).at(-1) === 'offline', 15_000);
        const all = await states();
        // offline → (waiting for data →) online → offline, nothing else.
        expect(all[0]).toBe('offline');
        expect(all.filter((s) => !['offline', 'waitingForData', 'online'].includes(s))).toEqual([]);
        expect(all.indexOf('online')).toBeGreaterThan(0);
    });
});

describe('timed data from a publisher’s data channel', () => {
    it('reaches a WebSocket player on its data channel, in sync with the media clock', async () => {
        await newTab();
        const stream = streamName();
        await publishWithData(stream);
        await playRecordingData(stream, server.url.replace('http', 'ws'));
        await expectTimedDataInSync('open');
    });

    it('reaches a WHEP player on its data channel, with the playing events over MistControl', async () => {
        await newTab();
        const stream = streamName();
        await publishWithData(stream);
        await playRecordingData(stream, server.url);
        await expectTimedDataInSync('open');
        const { playing } = await recorded();
        expect(playing.length).toBeGreaterThan(0);
    });

    it('reaches a player without a data channel through the data WebSocket', async () => {
        await newTab();
        const stream = streamName();
        await publishWithData(stream);
        await playRecordingData(stream, server.url.replace('http', 'ws'), {
            connectorOptions: { dataChannels: false },
        });
        await expectTimedDataInSync('none');
    });
});

describe('control over WHEP', () => {
    it('a WHEP player switches simulcast layers through MistControl', async () => {
        await newTab();
        const stream = streamName();
        await tab.page.evaluate(
            async ({ stream, endPoint }) => {
                const { t, rtcwire } = window as any;
                const camera: MediaStream = await t.camera({
                    audio: true,
                    video: { width: 1280, height: 720, frameRate: 30 },
                });
                t.store.camera = { stop: () => camera.getTracks().forEach((track) => track.stop()) };
                const streamer = new rtcwire.Streamer({ simulcast: true });
                t.store.streamer = streamer;
                await new Promise<void>((resolve, reject) => {
                    streamer.on('state', (s: string) => s === 'streaming' && resolve());
                    streamer.on('stop', (e: any) => reject(new Error(`streamer stopped: ${e?.code}`)));
                    streamer.start(camera, { endPoint, streamName: stream });
                });
            },
            { stream, endPoint: server.url.replace('http', 'ws') },
        );
        // A WHEP player: its metadata lists the layers once their sizes are known.
        await tab.page.evaluate(
            async ({ stream, endPoint }) => {
                const { t, rtcwire } = window as any;
                const player = new rtcwire.Player(t.video('v'), { mbr: false });
                t.store.player = player;
                await new Promise<void>((resolve, reject) => {
                    player.on('state', (s: string) => s === 'playing' && resolve());
                    player.on('stop', (e: any) => reject(new Error(`player stopped: ${e?.code} ${e?.message}`)));
                    player.start({ endPoint, streamName: stream });
                });
            },
            { stream, endPoint: server.url },
        );
        const layers: { track: number; width: number }[] = await waitFor(async () => {
            const list = await tab.page.evaluate(() =>
                (window as any).t.store.player.renditions.map((r: any) => ({ track: r.track, width: r.width })),
            );
            return list.length >= 2 && list.every((l: { width?: number }) => l.width) ? list : undefined;
        }, 20_000);
        const widthAfter = (track: number, width: number) =>
            waitFor(async () => {
                const decoded = await tab.page.evaluate(async (track) => {
                    const { t } = window as any;
                    const player = t.store.player;
                    if (player.videoTrack !== track) player.videoTrack = track;
                    return (await t.inbound(player.connector.peerConnection)).width;
                }, track);
                return decoded === width ? decoded : undefined;
            }, 15_000);
        const low = layers[0]!;
        const high = layers[layers.length - 1]!;
        expect(await widthAfter(low.track, low.width)).toBe(low.width);
        expect(await widthAfter(high.track, high.width)).toBe(high.width);
        expect(high.width).toBeGreaterThan(low.width);
        const control = await tab.page.evaluate(() => (window as any).t.store.player.connector.controllable);
        expect(control).toBe(true);
    });
});
