/**
 * Shared fixtures of the end-to-end tests: the reference server on a free port, the browsers with
 * a fake camera and microphone (Chromium through Playwright, Debian's or Playwright's own build;
 * Firefox through puppeteer-core and WebDriver BiDi), and pages that fail the test on any console
 * error or unhandled rejection. Tests that run in both browsers use the browser-neutral
 * {@link TestBrowser} / {@link TestPage}; the Chromium-only ones may use Playwright directly.
 */
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';
import { launchChromium } from './chromium.mjs';
import { launchFirefox } from './firefox.mjs';
import { startServer } from '../demo/server/main';

export type RefServer = Awaited<ReturnType<typeof startServer>>;

export { chromiumArgs } from './chromium.mjs';

/** Launches Chromium: Debian's build when present, else Playwright's own. */
export function launchBrowser(options: { autoplay?: boolean } = {}): Promise<Browser> {
    return launchChromium(options);
}

/** Starts the reference server on 127.0.0.1 and a free port. */
export function startRefServer(options: Parameters<typeof startServer>[0] = {}): Promise<RefServer> {
    return startServer({ host: '127.0.0.1', port: 0, log: false, processGuards: false, ...options });
}

/** A browser the cross-browser tests run in. */
export type BrowserName = 'chromium' | 'firefox';

/**
 * The browsers of the cross-browser tests: Chromium and Firefox, or those `RTCWIRE_E2E_BROWSERS`
 * names (comma-separated, e.g. `chromium` on a machine without Firefox).
 */
export const BROWSERS: BrowserName[] = (process.env.RTCWIRE_E2E_BROWSERS ?? 'chromium,firefox')
    .split(',')
    .map((name) => name.trim())
    .filter((name): name is BrowserName => name === 'chromium' || name === 'firefox');

/** What the in-page helpers need of a page: Playwright's `Page` and {@link TestPage} both have it. */
export interface Evaluates {
    /** Runs `fn(arg)` in the page (`fn` is sent as source: it sees the page's globals only). */
    evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
}

/** An HTTP response a page got, as the tests read it. */
export interface SeenResponse {
    status: number;
    method: string;
    url: string;
}

/** A page of either browser, through the few calls the tests make. */
export interface TestPage extends Evaluates {
    /** Navigates and waits for the load. */
    goto(url: string): Promise<void>;
    /** Calls `listener` with every HTTP response the page gets. */
    onResponse(listener: (response: SeenResponse) => void): void;
    /** Calls `listener` with every console error and uncaught page error, as text. */
    onError(listener: (text: string) => void): void;
    /** Closes the page and its browser context. */
    close(): Promise<void>;
}

/** A launched browser: isolated pages, one browser context each. */
export interface TestBrowser {
    readonly name: BrowserName;
    newPage(): Promise<TestPage>;
    close(): Promise<void>;
}

/** Launches `name` headless with fake devices (`autoplay: false`: Chromium without its autoplay flag). */
export async function launchTestBrowser(name: BrowserName, options: { autoplay?: boolean } = {}): Promise<TestBrowser> {
    if (name === 'firefox') {
        const browser = await launchFirefox();
        return { name, newPage: () => puppeteerPage(browser), close: () => browser.close() };
    }
    const browser = await launchChromium(options);
    return {
        name,
        newPage: async () => {
            const context = await browser.newContext();
            return playwrightPage(await context.newPage(), context);
        },
        close: () => browser.close(),
    };
}

/** A Playwright page as a {@link TestPage}. */
function playwrightPage(page: Page, context: BrowserContext): TestPage {
    return {
        evaluate: page.evaluate.bind(page),
        goto: async (url) => void (await page.goto(url)),
        onResponse: (listener) =>
            page.on('response', (r) => listener({ status: r.status(), method: r.request().method(), url: r.url() })),
        onError(listener) {
            page.on('console', (msg) => msg.type() === 'error' && listener(`console.error: ${msg.text()}`));
            page.on('pageerror', (error) => listener(`pageerror: ${error.message}`));
        },
        close: () => context.close(),
    };
}

/** A new page, in a browser context of its own, of a puppeteer-driven browser (Firefox) as a {@link TestPage}. */
async function puppeteerPage(browser: PuppeteerBrowser): Promise<TestPage> {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    return {
        // Results travel as JSON text: over WebDriver BiDi, an object met twice in a result (the
        // same reply stored under two keys) comes back as undefined the second time.
        evaluate: async <R, A>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R> => {
            const call = `(async () => JSON.stringify({ value: await (${fn.toString()})(${JSON.stringify(arg)}) }))()`;
            const json = await page.evaluate(call);
            return (JSON.parse(String(json)) as { value: R }).value;
        },
        goto: async (url) => void (await page.goto(url)),
        onResponse: (listener) =>
            page.on('response', (r) => listener({ status: r.status(), method: r.request().method(), url: r.url() })),
        onError(listener) {
            page.on('console', (msg) => msg.type() === 'error' && listener(`console.error: ${msg.text()}`));
            page.on('pageerror', (error) => listener(`pageerror: ${error instanceof Error ? error.message : error}`));
        },
        close: () => context.close(),
    };
}

/** A page that records console errors and unhandled errors/rejections. */
export interface CheckedTab {
    page: TestPage;
    /** Console errors, page errors and HTTP errors seen so far. */
    errors: string[];
    /** Throws if the page reported any error (ignoring messages matching `allow`). */
    assertNoErrors(allow?: RegExp[]): void;
    /** Closes the page and its browser context. */
    close(): Promise<void>;
}

/** A Playwright {@link CheckedTab}: its `page` is Playwright's, for the Chromium-only tests and benches. */
export interface CheckedPage extends Omit<CheckedTab, 'page'> {
    page: Page;
    context: BrowserContext;
}

/**
 * Opens the bare SDK test page (`/demo/sdk.html`, which loads `dist/rtcwire.iife.js` as the
 * global `rtcwire`) on `server`, in a new page of `browser`.
 */
export async function openTab(browser: TestBrowser, server: RefServer, path = '/demo/sdk.html'): Promise<CheckedTab> {
    const tab = checked(await browser.newPage());
    await tab.page.goto(`${server.url}${path}`);
    await waitFor(() =>
        tab.page.evaluate(() => typeof (window as unknown as { rtcwire?: unknown }).rtcwire === 'object'),
    );
    return tab;
}

/** {@link openTab} for a Playwright Chromium: the page stays Playwright's. */
export async function openSdkPage(browser: Browser, server: RefServer, path = '/demo/sdk.html'): Promise<CheckedPage> {
    const tab = await checkedPage(browser);
    await tab.page.goto(`${server.url}${path}`);
    await tab.page.waitForFunction(() => typeof (window as unknown as { rtcwire?: unknown }).rtcwire === 'object');
    return tab;
}

/**
 * Opens the blank test page (`/demo/blank.html`: the SDK test page's strict CSP, no SDK) on
 * `server`, with `html` as its document when given (`page.setContent`: its scripts run, on the
 * server's origin). The test brings the SDK: a {@link bundleApp} bundle, or a script in `html`.
 * `bypassCSP` lifts the page's policy, for inline scripts as a user's own page may have them.
 */
export async function openPage(
    browser: Browser,
    server: RefServer,
    html?: string,
    options: { bypassCSP?: boolean } = {},
): Promise<CheckedPage> {
    const tab = await checkedPage(browser, options);
    await tab.page.goto(`${server.url}/demo/blank.html`);
    if (html !== undefined) await tab.page.setContent(html);
    return tab;
}

/** A new page in its own context that records console errors and unhandled errors/rejections. */
async function checkedPage(browser: Browser, options: { bypassCSP?: boolean } = {}): Promise<CheckedPage> {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    const tab = checked(playwrightPage(page, context));
    return { ...tab, page, context, close: () => context.close() };
}

/** Records the errors of `page` (before it loads anything). */
function checked(page: TestPage): CheckedTab {
    const errors: string[] = [];
    page.onError((text) => errors.push(text));
    // Name the resource behind a "Failed to load resource" console error.
    page.onResponse((r) => r.status >= 400 && errors.push(`http ${r.status}: ${r.method} ${r.url}`));
    return {
        page,
        errors,
        assertNoErrors(allow = []) {
            const bad = errors.filter((e) => !allow.some((re) => re.test(e)));
            if (bad.length) throw new Error(`page reported errors:\n${bad.join('\n')}`);
        },
        close: () => page.close(),
    };
}

/**
 * Ends a test's tab: stops (or closes) everything the page keeps in `t.store`, waits until it has
 * no live peer connection left, throws if the page reported an error (but those matching
 * `allow`), and closes it (a Playwright page: its context). Needs {@link installPageHelpers}.
 */
export async function releaseTab(
    tab: Pick<CheckedTab, 'assertNoErrors' | 'close'> & { page: Evaluates },
    allow: RegExp[] = [],
): Promise<void> {
    await tab.page.evaluate(() => {
        const s = (window as any).t.store;
        for (const key of Object.keys(s)) {
            if (typeof s[key]?.stop === 'function') s[key].stop();
            else if (typeof s[key]?.close === 'function') s[key].close();
        }
    });
    await waitFor(() => tab.page.evaluate(() => (window as any).t.livePeerConnections() === 0), 5000);
    tab.assertNoErrors(allow);
    await tab.close();
}

/**
 * Bundles `source` (an app's ES module importing `'rtcwire'`) as an app's bundler would: the
 * package resolves through its own `exports` map to the built ESM (`dist/rtcwire.js`), its
 * dependencies from node_modules. Returns a classic script for `page.evaluate`, or with
 * `{ module: true }` an ES module for a `<script type="module">` (top-level await allowed);
 * `loader: 'ts'` takes TypeScript.
 */
export async function bundleApp(
    source: string,
    options: { module?: boolean; loader?: 'js' | 'ts' } = {},
): Promise<string> {
    const result = await build({
        stdin: { contents: source, resolveDir: process.cwd(), loader: options.loader ?? 'js' },
        bundle: true,
        format: options.module ? 'esm' : 'iife',
        platform: 'browser',
        target: options.module ? 'es2022' : 'es2020',
        write: false,
        logLevel: 'silent',
    });
    return result.outputFiles[0]!.text;
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 15_000, stepMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const value = await fn();
            if (value) return value;
            last = value;
        } catch (error) {
            last = error;
        }
        if (Date.now() > deadline) throw new Error(`waitFor timed out; last value: ${String(last)}`);
        await new Promise((r) => setTimeout(r, stepMs));
    }
}

/** In-page helpers installed by {@link installPageHelpers}; typed for `page.evaluate` callers. */
export interface PageHelpers {
    /** Fake camera + microphone. */
    camera(constraints?: MediaStreamConstraints): Promise<MediaStream>;
    /** A `<video>` element appended to the page. */
    video(id: string): HTMLVideoElement;
    /** Inbound video/audio counters of a peer connection. */
    inbound(
        pc: RTCPeerConnection,
    ): Promise<{ framesDecoded: number; audioPackets: number; width: number; height: number }>;
    /** Outbound video bitrate over `ms`, bps. */
    outboundBitrate(pc: RTCPeerConnection, ms: number): Promise<number>;
    /** Number of video frames presented to `video` over `ms` (requestVideoFrameCallback). */
    countFrames(video: HTMLVideoElement, ms: number): Promise<number>;
    /** Live peer connections created in this page (not closed). */
    livePeerConnections(): number;
    /** Objects shared between evaluate calls. */
    store: Record<string, any>;
}

/**
 * Installs `window.t` (see {@link PageHelpers}) and a counter of live RTCPeerConnections. Must be
 * called before the page creates any peer connection.
 */
export async function installPageHelpers(page: Evaluates): Promise<void> {
    await page.evaluate(() => {
        const w = window as any;
        const Native = w.RTCPeerConnection;
        const created: RTCPeerConnection[] = [];
        w.RTCPeerConnection = function (this: unknown, config?: RTCConfiguration) {
            const pc = new Native(config);
            created.push(pc);
            return pc;
        };
        w.RTCPeerConnection.prototype = Native.prototype;
        const sum = async (pc: RTCPeerConnection) => {
            let framesDecoded = 0,
                audioPackets = 0,
                width = 0,
                height = 0;
            (await pc.getStats()).forEach((s: any) => {
                if (s.type !== 'inbound-rtp') return;
                if (s.kind === 'video') {
                    framesDecoded += s.framesDecoded ?? 0;
                    width = s.frameWidth ?? width;
                    height = s.frameHeight ?? height;
                } else if (s.kind === 'audio') audioPackets += s.packetsReceived ?? 0;
            });
            return { framesDecoded, audioPackets, width, height };
        };
        const sentBytes = async (pc: RTCPeerConnection) => {
            let bytes = 0;
            (await pc.getStats()).forEach((s: any) => {
                if (s.type === 'outbound-rtp' && s.kind === 'video') bytes += s.bytesSent ?? 0;
            });
            return bytes;
        };
        w.t = {
            store: {},
            camera: (c?: MediaStreamConstraints) =>
                navigator.mediaDevices.getUserMedia(
                    c ?? { audio: true, video: { width: 640, height: 360, frameRate: 30 } },
                ),
            video(id: string) {
                const v = document.createElement('video');
                v.id = id;
                v.autoplay = true;
                v.playsInline = true;
                v.muted = true;
                document.body.appendChild(v);
                return v;
            },
            inbound: sum,
            async outboundBitrate(pc: RTCPeerConnection, ms: number) {
                const a = await sentBytes(pc);
                await new Promise((r) => setTimeout(r, ms));
                const b = await sentBytes(pc);
                return ((b - a) * 8 * 1000) / ms;
            },
            countFrames(video: HTMLVideoElement, ms: number) {
                return new Promise<number>((resolve) => {
                    let n = 0;
                    const end = performance.now() + ms;
                    const tick = () => {
                        n++;
                        if (performance.now() < end) (video as any).requestVideoFrameCallback(tick);
                    };
                    (video as any).requestVideoFrameCallback(tick);
                    setTimeout(() => resolve(n), ms + 50);
                });
            },
            livePeerConnections: () => created.filter((pc) => pc.connectionState !== 'closed').length,
        } satisfies PageHelpers;
    });
}

/**
 * Publishes the fake camera with a `Streamer` as `streamName` and resolves once it streams (rejects
 * if it stops first). `t.store.streamer` and `t.store.camera` hold them; both have `stop()`. Needs
 * {@link installPageHelpers}.
 */
export async function publishCamera(
    page: Evaluates,
    endPoint: string,
    streamName: string,
    options: { streamer?: Record<string, unknown>; camera?: MediaStreamConstraints } = {},
): Promise<void> {
    await page.evaluate(
        async ({ endPoint, streamName, options }) => {
            const { t, rtcwire } = window as any;
            const camera: MediaStream = await t.camera(options.camera);
            t.store.camera = { stop: () => camera.getTracks().forEach((track) => track.stop()) };
            const streamer = new rtcwire.Streamer(options.streamer ?? {});
            t.store.streamer = streamer;
            await new Promise<void>((resolve, reject) => {
                streamer.on('state', (s: string) => s === 'streaming' && resolve());
                streamer.on('stop', (e: any) => reject(new Error(`streamer stopped: ${e?.code} ${e?.message}`)));
                streamer.start(camera, { endPoint, streamName });
            });
        },
        { endPoint, streamName, options },
    );
}
