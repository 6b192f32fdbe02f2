/**
 * Packaging: what `npm publish` would ship is importable in plain Node without side effects,
 * passes publint, and the ESM build, bundled as an app would bundle it, runs in Chromium.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp, launchBrowser, openSdkPage, startRefServer, type RefServer } from './harness';

const PUBLIC = ['Player', 'Streamer', 'WSController', 'HTTPConnector', 'RtcError', 'Connector', 'Emitter'];

/** Runs `code` in a fresh Node process and returns what it printed as JSON. */
function node(code: string, type: 'module' | 'commonjs'): unknown {
    const out = execFileSync(process.execPath, ['--input-type', type, '-e', code], { encoding: 'utf8' });
    return JSON.parse(out);
}

describe('package', () => {
    it('imports in plain Node (ESM and CommonJS) without touching browser globals or leaving timers', () => {
        // navigator/window are trapped: any access at import time throws.
        const trap = `for (const g of ['navigator', 'window', 'document', 'RTCPeerConnection', 'WebSocket'])
            Object.defineProperty(globalThis, g, { configurable: true, get() { throw new Error('touched ' + g); } });`;
        const esm = node(
            `${trap}
            const before = process.getActiveResourcesInfo().length;
            const m = await import('./dist/rtcwire.js');
            await new Promise((r) => setTimeout(r, 50)); // the module loader's own file handles close
            console.log(JSON.stringify({ keys: Object.keys(m), added: process.getActiveResourcesInfo().length - before }));`,
            'module',
        ) as { keys: string[]; added: number };
        expect(esm.keys).toEqual(expect.arrayContaining(PUBLIC));
        expect(esm.added).toBe(0);
        const cjs = node(
            `${trap}
            const before = process.getActiveResourcesInfo().length;
            const m = require('./dist/rtcwire.cjs');
            console.log(JSON.stringify({ keys: Object.keys(m), added: process.getActiveResourcesInfo().length - before }));`,
            'commonjs',
        ) as { keys: string[]; added: number };
        expect(cjs.keys).toEqual(expect.arrayContaining(PUBLIC));
        expect(cjs.added).toBe(0);
    });

    it('has a types-first exports map, a files allow-list, declarations, and passes publint', async () => {
        const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
        expect(Object.keys(pkg.exports['.'].import)[0]).toBe('types');
        expect(Object.keys(pkg.exports['.'].require)[0]).toBe('types');
        expect(pkg.files).toEqual(expect.arrayContaining(['dist']));
        const dts = readFileSync('dist/rtcwire.d.ts', 'utf8');
        for (const name of PUBLIC) expect(dts).toMatch(new RegExp(`declare (abstract )?class ${name}\\b`));
        expect(readFileSync('dist/rtcwire.d.cts', 'utf8')).toBe(dts);
        // Declarations may only import what consumers install: the runtime dependencies.
        const dependencies = Object.keys(pkg.dependencies);
        expect(dependencies.sort()).toEqual(['eventemitter3', 'sdp-transform']);
        for (const file of ['dist/rtcwire.d.ts', 'dist/adapter.d.ts']) {
            const imported = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export) .* from '([^.][^']*)'/gm)];
            for (const [, name] of imported) expect(dependencies).toContain(name);
        }
        // The builds import exactly the runtime dependencies, and keep every member name (the
        // extension points a subclass overrides are called under their own names).
        const esm = readFileSync('dist/rtcwire.js', 'utf8');
        const bare = new Set([...esm.matchAll(/^import .* from '([^.][^']*)';$/gm)].map((m) => m[1]));
        expect([...bare].sort()).toEqual(dependencies.sort());
        for (const build of [
            esm,
            readFileSync('dist/rtcwire.cjs', 'utf8'),
            readFileSync('dist/rtcwire.iife.js', 'utf8'),
        ]) {
            for (const member of ['_open(', '_sip(', '_teardown(']) expect(build).toContain(member);
        }
        const { messages } = await publint({ pkgDir: '.', level: 'warning' });
        expect(messages).toEqual([]);
    });
});

describe('package in the browser', () => {
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

    it('runs the ESM build bundled as an app would bundle it, next to the <script> build', async () => {
        const tab = await openSdkPage(browser, server);
        const app = await bundleApp("import * as rtcwire from 'rtcwire'; window.bundled = Object.keys(rtcwire);");
        const keys = await tab.page.evaluate<string[]>(`${app}; window.bundled`);
        expect(keys).toEqual(expect.arrayContaining(PUBLIC));
        tab.assertNoErrors();
        await tab.context.close();
    });
});
