/**
 * `<rtcwire-player>` in real Chromium against the reference server: the element from
 * `rtcwire/element`, bundled as an app bundles it (no `<script>` build in its page), plays a stream
 * another page publishes, re-dispatches the Player's events as DOM events, shows its overlays
 * (statistics, waiting for the stream, reconnecting, unmute, play) and releases everything when it
 * leaves the page.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    bundleApp,
    installPageHelpers,
    launchBrowser,
    openPage,
    openSdkPage,
    publishCamera,
    startRefServer,
    waitFor,
    type CheckedPage,
    type RefServer,
} from './harness';

let browser: Browser;
let server: RefServer;
/** The publisher's page (the `<script>` build's Streamer, through `publishCamera`). */
let publisher: CheckedPage;
let counter = 0;

beforeAll(async () => {
    server = await startRefServer({ playWaitMs: 1000, faults: true });
    browser = await launchBrowser();
    publisher = await openSdkPage(browser, server);
    await installPageHelpers(publisher.page);
});
afterAll(async () => {
    await browser?.close();
    await server?.close();
});

const streamName = () => `element-${process.pid}-${++counter}`;
const wsEndpoint = () => server.url.replace('http', 'ws');
const players = (stream: string) =>
    (server.streams() as { name: string; players: number }[]).find((s) => s.name === stream)?.players ?? 0;

/**
 * A page with the element defined by the app's bundle of `rtcwire/element`, the page helpers, and
 * `window.seen`: every `rtcwire-*` event that reached `document` (they bubble), as `type:detail`
 * for string details, else `type`, and `window.details`: the last detail of each type.
 */
async function elementPage(): Promise<CheckedPage> {
    const tab = await openPage(browser, server);
    await installPageHelpers(tab.page);
    await tab.page.evaluate(
        await bundleApp(`
            import { PLAYER_ELEMENT_EVENTS, PlayerElement } from 'rtcwire/element';
            window.seen = [];
            window.details = {};
            for (const type of Object.values(PLAYER_ELEMENT_EVENTS)) {
                document.addEventListener(type, (event) => {
                    const detail = event.detail;
                    window.seen.push(typeof detail === 'string' ? type + ':' + detail : type);
                    window.details[type] = detail;
                });
            }
            window.app = { PlayerElement };
        `),
    );
    return tab;
}

/** Adds `<rtcwire-player>` with `attributes` to the page; returns nothing (find it by `#id`). */
async function addElement(page: Page, id: string, attributes: string): Promise<void> {
    await page.evaluate(
        ({ id, attributes }) =>
            document.body.insertAdjacentHTML('beforeend', `<rtcwire-player id="${id}" ${attributes}></rtcwire-player>`),
        { id, attributes },
    );
}

/** Waits until the page saw event `entry` (`type` or `type:detail`). */
function seen(page: Page, entry: string, timeoutMs = 20_000): Promise<unknown> {
    return waitFor(() => page.evaluate((entry) => (window as any).seen.includes(entry), entry), timeoutMs);
}

/** What the element's shadow DOM shows: the video's size and state, and which overlays are up. */
function shown(page: Page, id: string) {
    return page.evaluate((id) => {
        const element = document.getElementById(id) as any;
        const $ = (selector: string) => element.shadowRoot.querySelector(selector) as HTMLElement;
        const video = $('video') as HTMLVideoElement;
        return {
            videoWidth: video.videoWidth,
            muted: video.muted,
            controls: video.controls,
            status: $('.status').hidden ? undefined : $('.status').textContent,
            stats: $('.stats').hidden ? undefined : $('.stats').textContent,
            play: !$('.play-button').hidden,
            unmute: !$('.unmute-button').hidden,
        };
    }, id);
}

/**
 * The end of a test: takes element `#id` out of the page, checks that no peer connection is left
 * and that the page reported no error, closes it, and stops the publisher.
 */
async function removeAndFinish(tab: CheckedPage, id: string): Promise<void> {
    await tab.page.evaluate((id) => document.getElementById(id)!.remove(), id);
    await waitFor(() => tab.page.evaluate(() => (window as any).t.livePeerConnections() === 0), 5000);
    tab.assertNoErrors();
    await tab.context.close();
    await publisher.page.evaluate(() => (window as any).t.store.streamer.stop());
}

describe('<rtcwire-player>', () => {
    it('plays a published stream with one tag, re-dispatches the events, and releases all when removed', async () => {
        const stream = streamName();
        await publishCamera(publisher.page, wsEndpoint(), stream);
        const tab = await elementPage();
        const { page } = tab;
        // The app's bundle defined the tag (no <script> build in this page).
        expect(
            await page.evaluate(() => customElements.get('rtcwire-player') === (window as any).app.PlayerElement),
        ).toBe(true);
        await addElement(page, 'p', `endpoint="${wsEndpoint()}" stream="${stream}" autoplay muted controls stats`);
        await seen(page, 'rtcwire-state:connecting');
        await seen(page, 'rtcwire-state:playing');
        await seen(page, 'rtcwire-start');
        // Decoded frames with a size, on the element's own peer connection, shown in its video.
        const inbound = await waitFor(async () => {
            const counters = await page.evaluate(() => {
                const element = document.getElementById('p') as any;
                return (window as any).t.inbound(element.player.connector.peerConnection);
            });
            return counters.framesDecoded > 10 && counters.width > 0 ? counters : undefined;
        });
        expect(inbound.height).toBeGreaterThan(0);
        await waitFor(async () => (await shown(page, 'p')).videoWidth > 0);
        // The statistics overlay (attribute `stats`) fills from the `stats` events.
        await seen(page, 'rtcwire-stats');
        await waitFor(async () =>
            /\d+×\d+.* fps\n.*Mb\/s.*\nquality \d+\/100/.test((await shown(page, 'p')).stats ?? ''),
        );
        const playing = await shown(page, 'p');
        expect(playing).toMatchObject({ muted: true, controls: true, status: undefined, play: false, unmute: false });
        expect(
            await page.evaluate(() => {
                const { details } = window as any;
                return {
                    start: details['rtcwire-start'] instanceof MediaStream,
                    stats: typeof details['rtcwire-stats'].fps,
                };
            }),
        ).toEqual({ start: true, stats: 'number' });
        expect(players(stream)).toBe(1);

        // Taking the element out of the page stops its player: no live peer connection is left.
        // Its last events reach no document (it is out of the page): recorded on the element.
        await page.evaluate(() => {
            const element = document.getElementById('p')!;
            for (const type of ['rtcwire-stop', 'rtcwire-state'] as const) {
                element.addEventListener(type, (event) => {
                    const { seen, details } = window as any;
                    seen.push(typeof event.detail === 'string' ? `${type}:${event.detail}` : type);
                    details[type] = event.detail;
                });
            }
            element.remove();
        });
        await seen(page, 'rtcwire-stop');
        await seen(page, 'rtcwire-state:stopped');
        expect(await page.evaluate(() => (window as any).details['rtcwire-stop'])).toBeNull();
        await waitFor(() => page.evaluate(() => (window as any).t.livePeerConnections() === 0), 5000);
        await waitFor(() => players(stream) === 0, 5000);
        tab.assertNoErrors();
        await tab.context.close();
        await publisher.page.evaluate(() => (window as any).t.store.streamer.stop());
    });

    it('waits for a stream that is not live yet, and says so; says so while it reconnects', async () => {
        const stream = streamName();
        const tab = await elementPage();
        const { page } = tab;
        // Each state's status text, read when the state event reaches the page.
        await page.evaluate(() => {
            const w = window as any;
            w.statusAt = {};
            document.addEventListener('rtcwire-state', (event: any) => {
                const status = (event.target as any).shadowRoot.querySelector('.status');
                w.statusAt[event.detail] = status.hidden ? undefined : status.textContent;
            });
        });
        await addElement(page, 'w', `endpoint="${wsEndpoint()}" stream="${stream}" autoplay muted wait-for-stream`);
        await seen(page, 'rtcwire-state:offline');
        expect((await shown(page, 'w')).status).toBe('Waiting for the stream…');
        await publishCamera(publisher.page, wsEndpoint(), stream);
        await seen(page, 'rtcwire-state:playing');
        expect((await shown(page, 'w')).status).toBeUndefined();

        // The server cuts the signaling socket: the element says it reconnects, then plays again.
        const before = await page.evaluate(() => (window as any).seen.length);
        server.faults({ dropSockets: stream });
        await seen(page, 'rtcwire-reconnecting');
        await waitFor(() =>
            page.evaluate((before) => (window as any).seen.slice(before).includes('rtcwire-state:playing'), before),
        );
        const statusAt = await page.evaluate(() => (window as any).statusAt);
        expect(statusAt).toMatchObject({
            connecting: 'Connecting…',
            offline: 'Waiting for the stream…',
            reconnecting: 'Reconnecting…',
            playing: undefined,
        });
        expect(await page.evaluate(() => (window as any).details['rtcwire-reconnecting'].attempt)).toBe(1);
        await waitFor(async () => (await shown(page, 'w')).videoWidth > 0);
        await removeAndFinish(tab, 'w');
    });

    it('offers an unmute button when the browser allows muted autoplay only, and a play button when it allows none', async () => {
        const stream = streamName();
        await publishCamera(publisher.page, wsEndpoint(), stream);
        const tab = await elementPage();
        const { page } = tab;
        // The browser's autoplay policy, made deterministic: play() needs a click (on the page),
        // unless muted (first element) or at all (second element: `data-block-all`). Playwright's
        // evaluate calls carry a user activation of their own, so navigator.userActivation cannot say.
        await page.evaluate(() => {
            const w = window as any;
            document.addEventListener(
                'click',
                () => {
                    w.clicking = true;
                    setTimeout(() => (w.clicking = false));
                },
                true,
            );
            const nativePlay = HTMLMediaElement.prototype.play;
            HTMLMediaElement.prototype.play = function (this: HTMLMediaElement) {
                const host = (this.getRootNode() as ShadowRoot).host;
                if (!w.clicking && (!this.muted || host?.hasAttribute('data-block-all'))) {
                    return Promise.reject(new DOMException('play() needs a user gesture', 'NotAllowedError'));
                }
                return nativePlay.call(this);
            };
        });
        await addElement(page, 'm', `endpoint="${wsEndpoint()}" stream="${stream}" autoplay`);
        await seen(page, 'rtcwire-autoplay-muted');
        await waitFor(async () => (await shown(page, 'm')).unmute);
        expect(await shown(page, 'm')).toMatchObject({ muted: true, play: false });
        await page.locator('#m').locator('.unmute-button').click();
        await waitFor(async () => !(await shown(page, 'm')).unmute);
        expect((await shown(page, 'm')).muted).toBe(false);
        await page.evaluate(() => document.getElementById('m')!.remove());

        await addElement(page, 'b', `endpoint="${wsEndpoint()}" stream="${stream}" autoplay data-block-all`);
        await seen(page, 'rtcwire-autoplay-blocked');
        await waitFor(async () => (await shown(page, 'b')).play);
        await page.locator('#b').locator('.play-button').click();
        await waitFor(async () => !(await shown(page, 'b')).play);
        await waitFor(() => page.evaluate(() => !(document.getElementById('b') as any).video.paused));
        await removeAndFinish(tab, 'b');
    });

    it('without autoplay, connects on a click of its play button; bad attributes end in rtcwire-stop', async () => {
        const stream = streamName();
        await publishCamera(publisher.page, wsEndpoint(), stream);
        const tab = await elementPage();
        const { page } = tab;
        await addElement(page, 'c', `endpoint="${wsEndpoint()}" stream="${stream}" muted`);
        expect(await shown(page, 'c')).toMatchObject({ play: true, status: undefined });
        expect(await page.evaluate(() => (window as any).t.livePeerConnections())).toBe(0);
        await page.locator('#c').locator('.play-button').click();
        await seen(page, 'rtcwire-state:playing');
        await waitFor(async () => (await shown(page, 'c')).videoWidth > 0);
        await page.evaluate(() => document.getElementById('c')!.remove());

        await addElement(page, 'x', `endpoint="ftp://example.com" stream="${stream}" autoplay`);
        await seen(page, 'rtcwire-stop');
        expect(
            await page.evaluate(() => {
                const error = (window as any).details['rtcwire-stop'];
                return { code: error.code, message: error.message };
            }),
        ).toEqual({
            code: 'INVALID_ARGUMENT',
            message: "endPoint 'ftp://example.com': only ws(s):// and http(s):// URLs are supported",
        });
        expect((await shown(page, 'x')).status).toBe(
            "endPoint 'ftp://example.com': only ws(s):// and http(s):// URLs are supported (INVALID_ARGUMENT)",
        );
        await removeAndFinish(tab, 'x');
    });
});
