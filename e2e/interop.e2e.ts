/**
 * Across browsers: a stream published in one browser plays in the other (Firefox → Chromium and
 * Chromium → Firefox, over WebSocket signaling and WHIP/WHEP; each browser to itself is in
 * media.e2e.ts), a session whose video never comes ends in a clear error in each browser, and a
 * publisher's timed data reaches players on their own data channels in each browser.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
    BROWSERS,
    installPageHelpers,
    launchTestBrowser,
    openTab,
    publishCamera,
    releaseTab,
    startRefServer,
    type BrowserName,
    type CheckedTab,
    type RefServer,
    type TestBrowser,
    waitFor,
} from './harness';
import { expectDecoding, playStream } from './playback';

let server: RefServer;
const browsers = new Map<BrowserName, TestBrowser>();
/** The tabs the running test opened, checked and closed after it. */
const tabs: CheckedTab[] = [];
let n = 0;
const streamName = () => `x${++n}-${Date.now() % 100000}`;
const ws = () => server.url.replace('http', 'ws');

beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 3000, faults: true });
    for (const name of BROWSERS) browsers.set(name, await launchTestBrowser(name));
});
afterAll(async () => {
    for (const browser of browsers.values()) await browser.close();
    await server?.close();
});
afterEach(async () => {
    for (const tab of tabs.splice(0)) await releaseTab(tab);
});

async function newTab(name: BrowserName): Promise<CheckedTab> {
    const tab = await openTab(browsers.get(name)!, server);
    tabs.push(tab);
    await installPageHelpers(tab.page);
    return tab;
}

const crossings: [BrowserName, BrowserName][] = [
    ['firefox', 'chromium'],
    ['chromium', 'firefox'],
];

describe.runIf(BROWSERS.length === 2)('publish in one browser, play in the other', () => {
    for (const [publisher, player] of crossings) {
        for (const signaling of ['WebSocket', 'WHIP/WHEP'] as const) {
            it(`${publisher} → ${player} over ${signaling}: video decodes and audio arrives`, async () => {
                const endPoint = signaling === 'WebSocket' ? ws() : server.url;
                const stream = streamName();
                await publishCamera((await newTab(publisher)).page, endPoint, stream);
                const { page } = await newTab(player);
                await playStream(page, stream, endPoint);
                const decoding = await expectDecoding(page);
                // The fake camera's 640x360, as sent.
                expect([decoding.width, decoding.height]).toEqual([640, 360]);
                const codecs = await page.evaluate(() => [...(window as any).t.store.player.connector.codecs]);
                expect(codecs).toEqual(['OPUS', 'VP8']);
            });
        }
    }
});

describe.each(BROWSERS)('%s: the video that never comes', (browserName) => {
    /**
     * Runs a facade in the page until it stops: `Player` or `Streamer` (the Streamer publishes the
     * fake camera), on `stream` with `query` (the server's fault switch), and returns its states and
     * its stop error.
     */
    async function runUntilStopped(
        facade: 'Player' | 'Streamer',
        endPoint: string,
        stream: string,
        query: Record<string, string>,
        options: Record<string, unknown> = {},
    ) {
        const { page } = await newTab(browserName);
        return page.evaluate(
            async ({ facade, endPoint, stream, query, options }) => {
                const { t, rtcwire } = window as any;
                const subject =
                    facade === 'Player' ? new rtcwire.Player(t.video('v'), options) : new rtcwire.Streamer(options);
                t.store.subject = subject;
                const states: string[] = [];
                subject.on('state', (s: string) => states.push(s));
                const stopped = new Promise<any>((resolve) => subject.on('stop', resolve));
                const params = { endPoint, streamName: stream, query };
                if (facade === 'Player') subject.start(params);
                else {
                    const camera = await t.camera();
                    t.store.camera = { stop: () => camera.getTracks().forEach((tr: MediaStreamTrack) => tr.stop()) };
                    subject.start(camera, params);
                }
                const error = await stopped;
                return { states, code: error?.code, retryable: error?.retryable, message: error?.message };
            },
            { facade, endPoint, stream, query, options },
        );
    }

    it('a play answer that rejects the video (WHEP): MEDIA_FAILED, never playing', async () => {
        const stream = streamName();
        await publishCamera((await newTab(browserName)).page, server.url, stream);
        const result = await runUntilStopped('Player', server.url, stream, { fault_reject: 'video' });
        expect(result).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(result.message).toMatch(/^the server sends no video: its answer rejects the video m-line/);
        expect(result.states).toEqual(['connecting', 'stopped']);
    });

    it('a video answered but never sent (WebSocket): MEDIA_FAILED mediaTimeoutMs after playing', async () => {
        const stream = streamName();
        await publishCamera((await newTab(browserName)).page, ws(), stream);
        const result = await runUntilStopped(
            'Player',
            ws(),
            stream,
            { fault_withhold: 'video' },
            { mediaTimeoutMs: 3000 },
        );
        expect(result).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(result.message).toMatch(
            /^no video frame decoded \d+ s after the session opened \(0 video packets received\)$/,
        );
        expect(result.states).toEqual(['connecting', 'playing', 'stopped']);
    });

    it('a publish answer that rejects the video: the Streamer stops with MEDIA_FAILED, never streaming', async () => {
        const result = await runUntilStopped('Streamer', ws(), streamName(), { fault_reject: 'video' });
        expect(result).toMatchObject({ code: 'MEDIA_FAILED', retryable: false });
        expect(result.message).toBe('the server rejected the published video track (check the codecs it accepts)');
        expect(result.states).toEqual(['connecting', 'stopped']);
    });
});

describe.each(BROWSERS)('%s: timed data on data channels', (browserName) => {
    it("a publisher's data channel reaches a player's data channel (WebSocket and WHEP), in order", async () => {
        const stream = streamName();
        const publisher = (await newTab(browserName)).page;
        await publishCamera(publisher, ws(), stream);
        // An item every 300 ms once the publisher's data channel takes it.
        await publisher.evaluate(() => {
            const { t } = window as any;
            let n = 0;
            t.store.ticker = setInterval(() => t.store.streamer.sendData({ n }) && n++, 300);
        });
        for (const endPoint of [ws(), server.url]) {
            const { page } = await newTab(browserName);
            await page.evaluate(() => {
                const { t } = window as any;
                t.store.items = [];
            });
            await playStream(page, stream, endPoint);
            await page.evaluate(() => {
                const { t } = window as any;
                t.store.player.on('data', (_time: number, _track: number, data: { n: number }) =>
                    t.store.items.push(data.n),
                );
            });
            const got = (await waitFor(async () => {
                const r = await page.evaluate(() => {
                    const { t } = window as any;
                    return { items: t.store.items as number[], channel: t.store.player.connector?.dataChannel };
                });
                return r.items.length >= 3 ? r : undefined;
            }, 20_000))!;
            // On the session's own data channel, not the data WebSocket fallback.
            expect(got.channel).toBe('open');
            expect(got.items).toEqual(got.items.map((_, i) => got.items[0]! + i));
        }
        await publisher.evaluate(() => clearInterval((window as any).t.store.ticker));
    });
});
