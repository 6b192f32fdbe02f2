/**
 * The demo page (`npm start`): loads under its Content-Security-Policy without a single console
 * error, publishes the fake camera, plays it back by name with live stats, lists simulcast
 * renditions, shows the stream's state and tracks and the publisher's timed data in sync; a junk
 * Server address shows the SDK's own error.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startRefServer, type RefServer } from './harness';

let browser: Browser;
let server: RefServer;

beforeAll(async () => {
    server = await startRefServer();
    browser = await launchBrowser();
});
afterAll(async () => {
    await browser?.close();
    await server?.close();
});

describe('demo page', () => {
    it('publishes and plays a stream with live stats and no console error', async () => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('console', (m) => ['error', 'warning'].includes(m.type()) && problems.push(`${m.type()}: ${m.text()}`));
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        page.on('response', (r) => r.status() >= 400 && problems.push(`http ${r.status()}: ${r.url()}`));
        try {
            await page.goto(`${server.url}/`);
            const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
            expect(csp).toMatch(/script-src 'self'/);
            expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
            await page.check('#pub-simulcast');
            await page.click('#pub-start');
            await page.waitForSelector('#pub-badge[data-state="streaming"]', { timeout: 20_000 });
            await page.click('#pub-play-here');
            await page.waitForSelector('#play-badge[data-state="playing"]', { timeout: 20_000 });
            await page.waitForFunction(
                () => (document.getElementById('play-video') as HTMLVideoElement).videoWidth > 0,
                null,
                {
                    timeout: 10_000,
                },
            );
            // Stats tick once a second; the renditions menu fills from the server's stream info.
            await page.waitForFunction(
                () => /[1-9]/.test(document.querySelector('#play-stats [data-stat="bitrate"]')?.textContent ?? ''),
                null,
                { timeout: 10_000 },
            );
            await page.waitForFunction(
                () => (document.getElementById('play-rendition') as HTMLSelectElement).options.length >= 3,
                null,
                {
                    timeout: 15_000,
                },
            );
            const firstFrame = await page.textContent('#play-stats [data-stat="firstFrame"]');
            expect(firstFrame).toMatch(/\d/);
            // The stream's metadata (state, tracks) and the publisher's timed data, shown in sync.
            await page.waitForSelector('#play-stream-state[data-state="online"]', { timeout: 10_000 });
            await page.waitForFunction(() => /video/.test(document.getElementById('play-tracks')?.textContent ?? ''));
            await page.waitForFunction(() =>
                /item #\d+ sent/.test(document.getElementById('pub-data')?.textContent ?? ''),
            );
            await page.waitForFunction(
                () =>
                    /item #\d+ \(track \d+, media [\d.]+ s\)/.test(
                        document.getElementById('play-data')?.textContent ?? '',
                    ),
                null,
                { timeout: 15_000 },
            );
            expect(problems).toEqual([]);
        } finally {
            await context.close();
        }
    });

    it("shows the SDK's INVALID_ARGUMENT for a junk Server address, over WebSocket and WHEP alike", async () => {
        const context = await browser.newContext();
        const page = await context.newPage();
        const problems: string[] = [];
        page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
        try {
            await page.goto(`${server.url}/`);
            for (const [transport, junk, why] of [
                ['#play-ws', 'http://', 'is not a valid host or URL'],
                ['#play-whep', 'ftp://example.com', ': only ws(s):// and http(s):// URLs are supported'],
            ] as const) {
                await page.fill('#server-url', junk);
                await page.check(transport);
                await page.fill('#play-name', 'anything');
                await page.click('#play-start');
                const notice = page.locator('#play-notice');
                await notice.waitFor({ state: 'visible' });
                expect(await notice.locator('.code').textContent()).toBe('INVALID_ARGUMENT');
                expect(await notice.textContent()).toContain(
                    `endPoint '${junk}'${why.startsWith(':') ? '' : ' '}${why}`,
                );
                expect(await notice.textContent()).not.toMatch(/TypeError|Failed to construct/);
                expect(await page.getAttribute('#play-badge', 'data-state')).toBe('failed');
            }
            expect(problems).toEqual([]);
        } finally {
            await context.close();
        }
    });
});
