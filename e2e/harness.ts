/**
 * Shared fixtures of the end-to-end tests: the reference server on a free port, Debian's Chromium
 * (or Playwright's own browser where installed) with a fake camera and microphone, and pages that
 * fail the test on any console error or unhandled rejection.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServer } from '../demo/server/main';

export type RefServer = Awaited<ReturnType<typeof startServer>>;

const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Chromium flags that work headless on CI machines. */
export function chromiumArgs(options: { autoplay?: boolean } = {}): string[] {
    const args = [
        '--no-sandbox',
        '--headless=new',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
    ];
    if (options.autoplay !== false) args.push('--autoplay-policy=no-user-gesture-required');
    return args;
}

/** Launches Chromium: Debian's build when present, else Playwright's own. */
export async function launchBrowser(options: { autoplay?: boolean } = {}): Promise<Browser> {
    const executablePath = CHROMIUM_CANDIDATES.find((p): p is string => !!p && existsSync(p));
    return chromium.launch({ executablePath, headless: true, args: chromiumArgs(options) });
}

/** Starts the reference server on 127.0.0.1 and a free port. */
export function startRefServer(options: Parameters<typeof startServer>[0] = {}): Promise<RefServer> {
    return startServer({ host: '127.0.0.1', port: 0, quiet: true, ...options });
}

/** A page that records console errors and unhandled errors/rejections. */
export interface CheckedPage {
    page: Page;
    context: BrowserContext;
    /** Console errors and page errors seen so far. */
    errors: string[];
    /** Throws if the page reported any error (ignoring messages matching `allow`). */
    assertNoErrors(allow?: RegExp[]): void;
}

/**
 * Opens the bare SDK test page (`/demo/sdk.html`, which loads `dist/rtcwire.iife.js` as the
 * global `rtcwire`) on `server`.
 */
export async function openSdkPage(browser: Browser, server: RefServer, path = '/demo/sdk.html'): Promise<CheckedPage> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(`console.error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
    await page.goto(`${server.url}${path}`);
    await page.waitForFunction(() => typeof (window as unknown as { rtcwire?: unknown }).rtcwire === 'object');
    return {
        page,
        context,
        errors,
        assertNoErrors(allow = []) {
            const bad = errors.filter((e) => !allow.some((re) => re.test(e)));
            if (bad.length) throw new Error(`page reported errors:\n${bad.join('\n')}`);
        },
    };
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
