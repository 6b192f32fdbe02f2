#!/usr/bin/env node
// Screenshots the demo page against the reference server, with Chromium's fake camera:
// publish a random name, play it back on the same page, wait, screenshot, and check that the
// stats are live and that the page logged no console error (CSP violations are console errors).
//
//   npm run build && node demo/dev/screenshot.mjs [out.png]
//
// Env: CHROMIUM_PATH (default /usr/bin/chromium), WAIT_MS (default 6000), SCHEME (light|dark),
// WIDTH/HEIGHT (default 1280×900), RTCWIRE_ROOT (serve dist/ and demo/ from another root).
// As root it re-runs itself inside a loopback-only network namespace (like e2e/run.mjs).
import { ensureLoopbackOnly } from '../../e2e/loopback.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');

ensureLoopbackOnly('screenshot');

const { register } = await import('tsx/esm/api');
register();
const { startServer } = await import(path.join(repo, 'demo/server/main.ts'));
const { launchChromium } = await import('../../e2e/chromium.mjs');

const out = path.resolve(process.argv[2] ?? path.join(repo, 'demo/assets/screenshot.png'));
const waitMs = Number(process.env.WAIT_MS ?? 6000);
const width = Number(process.env.WIDTH ?? 1280);
const height = Number(process.env.HEIGHT ?? 900);

const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    log: false,
    processGuards: false,
    ...(process.env.RTCWIRE_ROOT ? { root: process.env.RTCWIRE_ROOT } : {}),
});
const browser = await launchChromium();

const problems = [];
try {
    const context = await browser.newContext({
        viewport: { width, height },
        colorScheme: process.env.SCHEME === 'dark' ? 'dark' : 'light',
        permissions: ['camera', 'microphone', 'clipboard-read', 'clipboard-write'],
    });
    const page = await context.newPage();
    page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`console.${msg.type()}: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('response', (res) => {
        if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));

    await page.goto(`${server.url}/`);
    await page.click('#pub-start');
    await page.waitForSelector('#pub-badge[data-state="streaming"]', { timeout: 20_000 });
    await page.click('#pub-play-here');
    await page.waitForSelector('#play-badge[data-state="playing"]', { timeout: 20_000 });
    await page.waitForTimeout(waitMs);
    await page.mouse.move(0, 0); // no hover effects in the picture
    await page.screenshot({ path: out, fullPage: process.env.FULL_PAGE === '1' });

    const report = await page.evaluate(() => {
        const read = (id) =>
            Object.fromEntries(
                [...document.querySelectorAll(`#${id} [data-stat]`)].map((dd) => [dd.dataset.stat, dd.textContent]),
            );
        return {
            publisher: read('pub-stats'),
            player: read('play-stats'),
            pubTimings: document.getElementById('pub-timings').textContent,
            playTimings: document.getElementById('play-timings').textContent,
            pubNotice: document.getElementById('pub-notice').textContent,
            playNotice: document.getElementById('play-notice').textContent,
            videoWidth: document.getElementById('play-video').videoWidth,
            url: window.location.href,
        };
    });
    console.log(JSON.stringify(report, null, 2));
    if (!(report.videoWidth > 0)) problems.push('the player shows no video');
    if (!/\d/.test(report.player.firstFrame ?? '')) problems.push('no time to first frame');
    if (!/[1-9]/.test(report.player.bitrate ?? '')) problems.push('player bitrate is not live');
    if (!/[1-9]/.test(report.publisher.bitrate ?? '')) problems.push('publisher bitrate is not live');
} finally {
    await browser.close();
    await server.close();
}
console.log(`screenshot: ${out}`);
if (problems.length) {
    console.error(`problems:\n  ${problems.join('\n  ')}`);
    process.exit(1);
}
