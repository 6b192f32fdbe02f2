/**
 * The README's examples, as written, against the reference server in real Chromium: the code
 * blocks tagged `publish`, `play`, `metadata`, `script` and `element` (the word after the fence's language)
 * run with only the server's address and the CDN's origin changed — `127.0.0.1:8080` (what
 * `npm start` listens on) becomes this test server's, `https://unpkg.com/rtcwire/dist/` its
 * `/dist/`. One page publishes the fake camera with the `publish` example; each of the others
 * plays it: frames shown, no error.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    bundleApp,
    launchBrowser,
    openPage,
    startRefServer,
    waitFor,
    type CheckedPage,
    type RefServer,
} from './harness';

/** The README's tagged code blocks: ```` ```ts play ```` → `{ play: { lang: 'ts', code } }`. */
function readmeExamples(): Record<string, { lang: string; code: string }> {
    const examples: Record<string, { lang: string; code: string }> = {};
    for (const [, lang, tag, code] of readFileSync('README.md', 'utf8').matchAll(
        /^```(\w+) (\w+)\n([\s\S]*?)^```$/gm,
    )) {
        examples[tag!] = { lang: lang!, code: code! };
    }
    return examples;
}

let browser: Browser;
let server: RefServer;
let publisher: CheckedPage;
const examples = readmeExamples();
/** An example's code aimed at this test server instead of `npm start`'s and the CDN. */
const adapted = (tag: string) => {
    const example = examples[tag];
    if (!example) throw new Error(`README.md has no \`\`\`… ${tag} example`);
    return example.code
        .replaceAll('127.0.0.1:8080', new URL(server.url).host)
        .replaceAll('https://unpkg.com/rtcwire/dist/', '/dist/');
};

/** A page (inline scripts allowed, as in a user's page) that records what it logs. */
async function examplePage(html: string): Promise<CheckedPage & { logs: string[] }> {
    const tab = await openPage(browser, server, undefined, { bypassCSP: true });
    const logs: string[] = [];
    tab.page.on('console', (message) => logs.push(message.text()));
    await tab.page.setContent(html);
    return { ...tab, logs };
}

/** Runs a TypeScript example as the page's module script. */
async function runModule(page: Page, tag: string): Promise<void> {
    await page.addScriptTag({ type: 'module', content: await bundleApp(adapted(tag), { module: true, loader: 'ts' }) });
}

beforeAll(async () => {
    server = await startRefServer();
    browser = await launchBrowser();
    publisher = await examplePage('<!doctype html><title>publish</title>');
    await runModule(publisher.page, 'publish');
    const logs = (publisher as CheckedPage & { logs: string[] }).logs;
    await waitFor(() => logs.includes('streamer streaming'), 20_000);
});
afterAll(async () => {
    publisher?.assertNoErrors();
    await browser?.close();
    await server?.close();
});

describe('README examples', () => {
    it('has the five examples, aimed at npm start', () => {
        expect(Object.keys(examples).sort()).toEqual(['element', 'metadata', 'play', 'publish', 'script']);
        for (const { code } of Object.values(examples)) expect(code).toContain('127.0.0.1:8080');
    });

    it('the TypeScript examples type-check in strict mode against the built package', () => {
        // In the repository (gitignored .tmp/), where `rtcwire` resolves to itself through its exports map.
        const dir = join('.tmp', 'readme-examples');
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        const files = Object.entries(examples)
            .filter(([, { lang }]) => lang === 'ts')
            .map(([tag, { code }]) => {
                writeFileSync(join(dir, `${tag}.ts`), code);
                return `${tag}.ts`;
            });
        expect(files.sort()).toEqual(['metadata.ts', 'play.ts', 'publish.ts']);
        const compilerOptions = {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            lib: ['ES2022', 'DOM', 'DOM.Iterable'],
            types: [],
        };
        writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }));
        execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(dir, 'tsconfig.json')], {
            encoding: 'utf8',
        });
    });

    it('"Play a stream" (ESM, bundled) plays the published camera', async () => {
        const tab = await examplePage('<!doctype html><title>play</title><video></video>');
        await runModule(tab.page, 'play');
        await waitFor(() => tab.logs.includes('player playing'));
        await waitFor(() => tab.page.evaluate(() => document.querySelector('video')!.videoWidth > 0));
        await waitFor(() => tab.logs.some((line) => /^\d+x\d+ \d+ fps, quality \d+$/.test(line)));
        tab.assertNoErrors();
        await tab.context.close();
    });

    it('"Stream metadata and timed data" follows the stream and plays it', async () => {
        const tab = await examplePage('<!doctype html><title>metadata</title><video></video>');
        await runModule(tab.page, 'metadata');
        await waitFor(() => tab.logs.includes('stream online'));
        // The metadata line: the video tracks, then how many data tracks.
        await waitFor(() => tab.logs.some((line) => /^video \d+p VP8; 0 data tracks$/.test(line)));
        await waitFor(() => tab.page.evaluate(() => document.querySelector('video')!.videoWidth > 0));
        tab.assertNoErrors();
        await tab.context.close();
    });

    it('the <script> tag example plays it with the global rtcwire', async () => {
        const tab = await examplePage(adapted('script'));
        await waitFor(() => tab.page.evaluate(() => document.querySelector('video')!.videoWidth > 0));
        expect(await tab.page.evaluate(() => typeof (window as any).rtcwire.Player)).toBe('function');
        tab.assertNoErrors();
        await tab.context.close();
    });

    it('the one-tag <rtcwire-player> example plays it', async () => {
        const tab = await examplePage(adapted('element'));
        await waitFor(() =>
            tab.page.evaluate(
                () => document.querySelector('rtcwire-player')!.shadowRoot!.querySelector('video')!.videoWidth > 0,
            ),
        );
        expect(await tab.page.evaluate(() => document.querySelector('rtcwire-player')!.state)).toBe('playing');
        tab.assertNoErrors();
        await tab.context.close();
    });
});
