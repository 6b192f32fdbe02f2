/**
 * Extending the SDK the Ceeblue way: an app's own Connector subclass, built against the packed
 * package's ESM build, signs its sessions over a plain fetch (its own `_sip`), and a Player plays
 * video through it from the reference server in real Chromium.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    bundleApp,
    installPageHelpers,
    launchBrowser,
    openSdkPage,
    publishCamera,
    startRefServer,
    waitFor,
    type RefServer,
} from './harness';

/** The app: what a user writes, importing the package by name. */
const APP = `
import { Connector, Player, RtcError } from 'rtcwire';

/** WHEP by hand: POST the offer, keep the session resource, DELETE it on close. */
class FetchConnector extends Connector {
    sipCalls = 0;
    resource = undefined;

    async _sip(offer) {
        this.sipCalls++;
        const response = await fetch(location.origin + '/whep/' + encodeURIComponent(this.streamName), {
            method: 'POST',
            headers: { 'Content-Type': 'application/sdp' },
            body: offer,
        });
        if (!response.ok) throw new RtcError('REFUSED', 'HTTP ' + response.status);
        const location_ = response.headers.get('location');
        if (location_) this.resource = new URL(location_, location.origin).href;
        return response.text();
    }

    _teardown() {
        if (this.resource) fetch(this.resource, { method: 'DELETE' }).catch(() => {});
    }
}

window.app = { Player, FetchConnector };
`;

let browser: Browser;
let server: RefServer;
beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 2000 });
    browser = await launchBrowser();
});
afterAll(async () => {
    await browser?.close();
    await server?.close();
});

describe('a connector of the app', () => {
    it('subclassed from the built package with its own _sip, plays video end to end', async () => {
        const tab = await openSdkPage(browser, server);
        await installPageHelpers(tab.page);
        const stream = `custom-${Date.now() % 100000}`;
        await publishCamera(tab.page, server.url.replace('http', 'ws'), stream);
        await tab.page.evaluate(await bundleApp(APP));
        const played = await tab.page.evaluate(async (stream) => {
            const { t, app } = window as any;
            const player = new app.Player(t.video('v'), { connector: app.FetchConnector, reconnect: false });
            t.store.player = player;
            await new Promise<void>((resolve, reject) => {
                player.on('state', (s: string) => s === 'playing' && resolve());
                player.on('stop', (e: any) => reject(new Error(`player stopped: ${e?.code} ${e?.message}`)));
                player.start({ endPoint: location.origin, streamName: stream });
            });
            return {
                custom: player.connector instanceof app.FetchConnector,
                sipCalls: player.connector.sipCalls,
                resource: player.connector.resource,
            };
        }, stream);
        expect(played.custom).toBe(true);
        expect(played.sipCalls).toBe(1);
        expect(played.resource).toMatch(/\/whep\//);
        // Decoded video with a size, on the custom connector's peer connection.
        const inbound = await waitFor(async () => {
            const counters = await tab.page.evaluate(() => {
                const { t } = window as any;
                return t.inbound(t.store.player.connector.peerConnection);
            });
            return counters.framesDecoded > 10 && counters.width > 0 ? counters : undefined;
        });
        expect(inbound.height).toBeGreaterThan(0);
        expect(
            await tab.page.evaluate(() => (document.getElementById('v') as HTMLVideoElement).videoWidth),
        ).toBeGreaterThan(0);
        const players = () =>
            (server.streams() as { name: string; players: number }[]).find((s) => s.name === stream)?.players;
        expect(players()).toBe(1);
        // Stopping releases the session through the custom _teardown: a DELETE of its resource.
        const deleted = tab.page.waitForRequest((r) => r.method() === 'DELETE' && r.url() === played.resource);
        await tab.page.evaluate(() => (window as any).t.store.player.stop());
        await deleted;
        await waitFor(() => players() === 0, 5000);
        await tab.page.evaluate(() => {
            const { store } = (window as any).t;
            store.streamer.stop();
            store.camera.stop();
        });
        await waitFor(() => tab.page.evaluate(() => (window as any).t.livePeerConnections() === 0), 5000);
        tab.assertNoErrors();
        await tab.context.close();
    });
});
