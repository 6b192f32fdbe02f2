/**
 * Instant start and latency (issue 12) in real Chromium against the reference server: a prepared
 * player shows frames on start(), an unused prepared session releases its peer connection, and
 * the latency option reaches the receivers.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
    installPageHelpers,
    launchBrowser,
    openSdkPage,
    publishCamera,
    releaseTab,
    startRefServer,
    waitFor,
    type CheckedPage,
    type RefServer,
} from './harness';

let browser: Browser;
let server: RefServer;
let tab: CheckedPage;
let n = 0;
const streamName = () => `prep${++n}-${Date.now() % 100000}`;

beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 2000 });
    browser = await launchBrowser();
});
afterAll(async () => {
    await browser?.close();
    await server?.close();
});
afterEach(async () => {
    if (tab) await releaseTab(tab);
});

async function newTab(): Promise<CheckedPage> {
    tab = await openSdkPage(browser, server);
    await installPageHelpers(tab.page);
    return tab;
}

describe('prepare', () => {
    it.each(['ws', 'http'] as const)(
        'over %s: a prepared player shows frames on start(), timed as prepared',
        async (transport) => {
            await newTab();
            const stream = streamName();
            await publishCamera(tab.page, server.url.replace('http', 'ws'), stream);
            const endPoint = transport === 'ws' ? server.url.replace('http', 'ws') : server.url;
            const result = await tab.page.evaluate(
                async ({ endPoint, stream }) => {
                    const { t, rtcwire } = window as any;
                    const video = t.video('v');
                    const player = new rtcwire.Player(video, { reconnect: false });
                    t.store.player = player;
                    const params = { endPoint, streamName: stream };
                    player.prepare(params);
                    const deadline = Date.now() + 10_000;
                    while (!player.prepared && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
                    const preparedBeforeStart = player.prepared;
                    // While prepared, nothing shows.
                    const widthBefore = video.videoWidth;
                    const timings = new Promise<any>((resolve) => player.once('timings', resolve));
                    player.start(params);
                    return { preparedBeforeStart, widthBefore, timings: await timings, live: t.livePeerConnections() };
                },
                { endPoint, stream },
            );
            expect(result.preparedBeforeStart).toBe(true);
            expect(result.widthBefore).toBe(0);
            expect(result.timings.prepared).toBe(true);
            expect(result.timings.firstFrame).toBeGreaterThanOrEqual(0);
            // The publisher's and the player's: the prepared session was used, not a second one.
            expect(result.live).toBe(2);
            const frames = await tab.page.evaluate(() => {
                const { t } = window as any;
                return t.countFrames(document.getElementById('v'), 1500);
            });
            expect(frames).toBeGreaterThan(10);
        },
    );

    it('a prepared session never started is released after its timeout, with its peer connection', async () => {
        await newTab();
        const stream = streamName();
        await publishCamera(tab.page, server.url.replace('http', 'ws'), stream);
        const live = await tab.page.evaluate(
            async ({ endPoint, stream }) => {
                const { t, rtcwire } = window as any;
                const player = new rtcwire.Player(t.video('v'), { prepareTimeoutMs: 1500 });
                t.store.player = player;
                player.prepare({ endPoint, streamName: stream });
                const deadline = Date.now() + 10_000;
                while (!player.prepared && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
                const during = t.livePeerConnections();
                await new Promise((r) => setTimeout(r, 2000));
                return { during, prepared: player.prepared, after: t.livePeerConnections() };
            },
            { endPoint: server.url.replace('http', 'ws'), stream },
        );
        expect(live).toEqual({ during: 2, prepared: false, after: 1 });
        await waitFor(() => (server.streams() as { name: string; players: number }[])[0]?.players === 0, 5000);
    });
});

describe('latency', () => {
    it("the latency option reaches the receivers ('lowest' → a jitter-buffer target of 0 ms)", async () => {
        await newTab();
        const stream = streamName();
        const ws = server.url.replace('http', 'ws');
        await publishCamera(tab.page, ws, stream);
        const targets = await tab.page.evaluate(
            async ({ ws, stream }) => {
                const { t, rtcwire } = window as any;
                const player = new rtcwire.Player(t.video('v'), { latency: 'lowest' });
                t.store.player = player;
                await new Promise((resolve) => {
                    player.once('start', resolve);
                    player.start({ endPoint: ws, streamName: stream });
                });
                const stats = await new Promise<any>((resolve) => player.once('stats', resolve));
                const receivers = player.connector.peerConnection.getReceivers();
                return {
                    receivers: receivers.map((r: any) => r.jitterBufferTarget),
                    reported: stats.jitterBufferTargetMs,
                };
            },
            { ws, stream },
        );
        expect(targets.receivers).toEqual([0, 0]);
        expect(targets.reported).toBe(0);
    });
});
