/**
 * Packaging: what `npm publish` would ship, checked on the packed tarball installed in a fresh
 * project as a user installs it. Its source maps resolve to their sources; every export subpath
 * loads from ESM and from CommonJS with the names its declarations promise, without side effects
 * in Node; the licenses and third-party notices are there; publint and arethetypeswrong find
 * nothing; the core import does not pull in the element; and the ESM build, bundled as an app
 * would bundle it, runs in Chromium next to the `<script>` build.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleApp, launchBrowser, openSdkPage, startRefServer, type RefServer } from './harness';

const PUBLIC = ['Player', 'Streamer', 'WSController', 'HTTPConnector', 'RtcError', 'Connector', 'Emitter'];
const BUNDLED = ['webrtc-adapter', 'sdp', 'eventemitter3', 'sdp-transform'];

let work: string;
let tarball: string;
/** The installed package: `<consumer>/node_modules/rtcwire`. */
let installed: string;
/** The fresh project the tarball is installed in. */
let consumer: string;
/** The files of the tarball, as `npm pack` listed them. */
let packed: string[];

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const subpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json');
const specifier = (subpath: string) => (subpath === '.' ? 'rtcwire' : `rtcwire/${subpath.slice(2)}`);

beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rtcwire-pack-'));
    const [report] = JSON.parse(
        execFileSync('npm', ['pack', '--json', '--pack-destination', work], { encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    tarball = join(work, report!.filename);
    packed = report!.files.map((f) => f.path).sort();
    consumer = join(work, 'consumer');
    execFileSync('mkdir', ['-p', consumer]);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    // Offline: the tests run without a network; the dependencies come from npm's cache (`npm ci` filled it).
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], {
        cwd: consumer,
        encoding: 'utf8',
    });
    installed = join(consumer, 'node_modules', 'rtcwire');
}, 120_000);
afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
});

/** Runs `code` in a fresh Node process in the consumer project and returns what it printed as JSON. */
function node(code: string, type: 'module' | 'commonjs'): unknown {
    const out = execFileSync(process.execPath, ['--input-type', type, '-e', code], { cwd: consumer, encoding: 'utf8' });
    return JSON.parse(out);
}

/** The value names a rolled-up declaration file exports (`export { A, b as default }`; not `export type`). */
function declaredValues(file: string): string[] | 'export =' {
    const text = readFileSync(join(installed, file), 'utf8');
    if (/^export = \w+;$/m.test(text)) return 'export =';
    return [...text.matchAll(/^export \{ ([^}]*) \};$/gm)]
        .flatMap((m) => m[1]!.split(', '))
        .map((name) => name.split(' as ').pop()!)
        .sort();
}

describe('the packed tarball', () => {
    it('ships the builds, their declarations and maps, the sources the maps name, the licenses, and nothing else', () => {
        expect(packed).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
        expect(packed).toContain('dist/THIRD_PARTY_LICENSES.txt');
        for (const subpath of subpaths) {
            for (const condition of ['import', 'require'] as const) {
                const { types, default: js } = pkg.exports[subpath][condition];
                expect(packed).toContain(types.slice(2));
                expect(packed).toContain(js.slice(2));
                expect(packed).toContain(`${js.slice(2)}.map`);
            }
        }
        expect(packed).toContain('dist/rtcwire.iife.js');
        const outside = packed.filter(
            (f) => !/^(dist|src)\//.test(f) && !['LICENSE', 'README.md', 'package.json'].includes(f),
        );
        expect(outside).toEqual([]);
        expect(packed.filter((f) => /(^|\/)(test|e2e|demo|bench)\/|\.tgz$/.test(f))).toEqual([]);
    });

    it('has source maps that resolve: every source inlined, inside the package, and equal to the shipped file', () => {
        const maps = readdirSync(join(installed, 'dist')).filter((f) => f.endsWith('.map'));
        expect(maps.length).toBeGreaterThanOrEqual(7);
        for (const name of maps) {
            const mapFile = join(installed, 'dist', name);
            const map = JSON.parse(readFileSync(mapFile, 'utf8')) as {
                sources: string[];
                sourcesContent?: (string | null)[];
            };
            // The built file points at this map.
            const built = readFileSync(mapFile.slice(0, -'.map'.length), 'utf8');
            expect(built.trimEnd().endsWith(`//# sourceMappingURL=${name}`), name).toBe(true);
            expect(map.sources.length, name).toBeGreaterThan(0);
            map.sources.forEach((source, i) => {
                const content = map.sourcesContent?.[i];
                expect(typeof content, `${name}: ${source}`).toBe('string');
                const file = resolve(dirname(mapFile), source);
                // Never a path of the machine that built it: inside the package.
                expect(relative(installed, file).startsWith('..'), `${name}: ${source}`).toBe(false);
                // Our own sources ship, as the map has them; a bundled dependency's are inlined only.
                if (!source.includes('node_modules/')) {
                    expect(existsSync(file), `${name}: ${source}`).toBe(true);
                    expect(readFileSync(file, 'utf8'), `${name}: ${source}`).toBe(content);
                }
            });
        }
    });

    it('loads every export subpath from ESM and CommonJS with the values its declarations promise', () => {
        for (const subpath of subpaths) {
            const id = specifier(subpath);
            const esmDeclared = declaredValues(pkg.exports[subpath].import.types);
            const cjsDeclared = declaredValues(pkg.exports[subpath].require.types);
            const esm = node(
                `const m = await import('${id}'); console.log(JSON.stringify({ keys: Object.keys(m).sort(), defaultKeys: Object.keys(m.default ?? {}).sort() }));`,
                'module',
            ) as { keys: string[]; defaultKeys: string[] };
            const cjs = node(
                `const m = require('${id}'); console.log(JSON.stringify({ type: typeof m, keys: Object.keys(m).sort() }));`,
                'commonjs',
            ) as { type: string; keys: string[] };
            expect(esmDeclared, id).not.toBe('export =');
            expect(esm.keys, id).toEqual(esmDeclared);
            if (cjsDeclared === 'export =') {
                // `module.exports` is the value itself: the ESM build's default export.
                expect(cjs.type, id).toBe('object');
                expect(cjs.keys, id).toEqual(esm.defaultKeys);
                expect(cjs.keys.length, id).toBeGreaterThan(0);
            } else {
                expect(cjs.keys, id).toEqual(cjsDeclared);
            }
        }
        expect(declaredValues('dist/rtcwire.d.ts')).toEqual(expect.arrayContaining(PUBLIC));
        expect(declaredValues('dist/element.d.ts')).toEqual(expect.arrayContaining(['PlayerElement']));
    });

    it('imports the core and the element in plain Node without touching browser globals or leaving timers', () => {
        // Browser globals are trapped: any access at import time throws. The element's entry looks
        // for customElements (absent in Node) and defines nothing.
        const trap = `for (const g of ['navigator', 'window', 'document', 'RTCPeerConnection', 'WebSocket'])
            Object.defineProperty(globalThis, g, { configurable: true, get() { throw new Error('touched ' + g); } });`;
        const esm = node(
            `${trap}
            const before = process.getActiveResourcesInfo().length;
            const m = await import('rtcwire');
            const e = await import('rtcwire/element');
            await new Promise((r) => setTimeout(r, 50)); // the module loader's own file handles close
            console.log(JSON.stringify({ keys: Object.keys(m), element: typeof e.PlayerElement, added: process.getActiveResourcesInfo().length - before }));`,
            'module',
        ) as { keys: string[]; element: string; added: number };
        expect(esm).toMatchObject({ keys: expect.arrayContaining(PUBLIC), element: 'function', added: 0 });
        const cjs = node(
            `${trap}
            const before = process.getActiveResourcesInfo().length;
            const m = require('rtcwire');
            const e = require('rtcwire/element');
            console.log(JSON.stringify({ keys: Object.keys(m), element: typeof e.PlayerElement, added: process.getActiveResourcesInfo().length - before }));`,
            'commonjs',
        ) as { keys: string[]; element: string; added: number };
        expect(cjs).toMatchObject({ keys: expect.arrayContaining(PUBLIC), element: 'function', added: 0 });
    });

    it('has its license and the notices of every package its bundles contain', () => {
        const license = readFileSync(join(installed, 'LICENSE'), 'utf8');
        expect(license).toMatch(/^MIT License/);
        expect(license).toContain('rtcwire contributors');
        expect(pkg.license).toBe('MIT');
        const notices = readFileSync(join(installed, 'dist/THIRD_PARTY_LICENSES.txt'), 'utf8');
        for (const build of ['dist/rtcwire.iife.js', 'dist/adapter.js', 'dist/adapter.cjs']) {
            // The packages whose code the build holds, from its source map.
            const { sources } = JSON.parse(readFileSync(join(installed, `${build}.map`), 'utf8')) as {
                sources: string[];
            };
            const inside = new Set(sources.flatMap((s) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(s)?.[1] ?? []));
            expect(inside.size, build).toBeGreaterThan(0);
            const banner = /^\/\*![\s\S]*?\*\//.exec(readFileSync(join(installed, build), 'utf8'))?.[0] ?? '';
            expect(banner, build).toContain('THIRD_PARTY_LICENSES.txt');
            for (const name of inside) {
                const version = JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')).version;
                expect(banner, `${build}: ${name}`).toContain(`${name} ${version}`);
                expect(notices, name).toContain(`${name} ${version}`);
            }
        }
        expect(notices).toMatch(/webrtc-adapter [\d.]+ \(BSD-3-Clause\)/);
        expect(notices).toContain('Redistributions in binary form must reproduce the above copyright');
        expect(notices).toContain('Copyright (c) 2014, The WebRTC project authors');
        for (const name of BUNDLED)
            expect(notices).toMatch(new RegExp(`^${name} [\\d.]+ \\((MIT|BSD-3-Clause)\\)$`, 'm'));
        for (const name of ['eventemitter3', 'sdp-transform']) {
            expect(readFileSync(join(installed, 'dist/rtcwire.iife.js'), 'utf8')).toMatch(
                new RegExp(`\\* ${name} [\\d.]+ \\(MIT\\): Copyright`),
            );
        }
    });

    it('passes publint and arethetypeswrong', async () => {
        const { messages } = await publint({ pkgDir: installed, level: 'suggestion', pack: false });
        expect(messages).toEqual([]);
        const attw = join(process.cwd(), 'node_modules/.bin/attw');
        let out: string;
        try {
            out = execFileSync(attw, [tarball, '--format', 'json'], { encoding: 'utf8' });
        } catch (error) {
            // attw exits 1 when it finds problems; its report is on stdout all the same.
            out = (error as { stdout: string }).stdout;
        }
        const { analysis } = JSON.parse(out) as { analysis: { problems: unknown[]; entrypoints: object } };
        expect(Object.keys(analysis.entrypoints).sort()).toEqual([...subpaths, './package.json'].sort());
        expect(analysis.problems).toEqual([]);
    });
});

describe('the builds', () => {
    it('declare only what consumers install, keep every member name, and import exactly the runtime dependencies', () => {
        const dts = readFileSync('dist/rtcwire.d.ts', 'utf8');
        for (const name of PUBLIC) expect(dts).toMatch(new RegExp(`declare (abstract )?class ${name}\\b`));
        expect(readFileSync('dist/rtcwire.d.cts', 'utf8')).toBe(dts);
        for (const subpath of subpaths) {
            for (const condition of ['import', 'require'] as const) {
                expect(Object.keys(pkg.exports[subpath][condition])[0], `${subpath} ${condition}`).toBe('types');
            }
        }
        // Declarations may only import what consumers install: the runtime dependencies.
        const dependencies = Object.keys(pkg.dependencies);
        expect(dependencies.sort()).toEqual(['eventemitter3', 'sdp-transform']);
        for (const file of ['dist/rtcwire.d.ts', 'dist/adapter.d.ts', 'dist/element.d.ts', 'dist/element.d.cts']) {
            const imported = [...readFileSync(file, 'utf8').matchAll(/^(?:import|export) .* from '([^.][^']*)'/gm)];
            for (const [, name] of imported) expect(dependencies).toContain(name);
        }
        // The builds import exactly the runtime dependencies, and keep every member name (the
        // extension points a subclass overrides are called under their own names).
        const esm = readFileSync('dist/rtcwire.js', 'utf8');
        const bare = new Set([...esm.matchAll(/^import .* from '([^.][^']*)';$/gm)].map((m) => m[1]));
        expect([...bare].sort()).toEqual(dependencies.sort());
        for (const built of [
            esm,
            readFileSync('dist/rtcwire.cjs', 'utf8'),
            readFileSync('dist/rtcwire.iife.js', 'utf8'),
        ]) {
            for (const member of ['_open(', '_sip(', '_teardown(']) expect(built).toContain(member);
        }
    });

    it('keep the element out of an app that imports the core, and one core in an app that imports both', async () => {
        const bundle = async (contents: string) => {
            const result = await build({
                stdin: { contents, resolveDir: consumer, loader: 'js' },
                bundle: true,
                minify: true,
                format: 'esm',
                platform: 'browser',
                write: false,
                metafile: true,
            });
            return { code: result.outputFiles[0]!.text, inputs: Object.keys(result.metafile.inputs) };
        };
        const core = await bundle("import { Player } from 'rtcwire'; globalThis.p = Player;");
        expect(core.inputs.some((f) => f.includes('rtcwire/dist/element'))).toBe(false);
        expect(core.code).not.toContain('rtcwire-player');
        expect(core.code).not.toContain('customElements');
        const both = await bundle(
            "import { Player } from 'rtcwire'; import { PlayerElement } from 'rtcwire/element'; globalThis.x = [Player, PlayerElement];",
        );
        // The element imports the same core build the app does: one copy of Player.
        expect(both.inputs.filter((f) => /rtcwire\/dist\/rtcwire\.js$/.test(f))).toHaveLength(1);
        expect(both.inputs.some((f) => /rtcwire\/dist\/element\.js$/.test(f))).toBe(true);
        expect(both.code.match(/["'`]rtcwire-autoplay-muted["'`]/g)).toHaveLength(1);
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
        // The <script> build defines the element too: one script, one tag.
        expect(
            await tab.page.evaluate(
                () => customElements.get('rtcwire-player') === (window as any).rtcwire.PlayerElement,
            ),
        ).toBe(true);
        tab.assertNoErrors();
        await tab.context.close();
    });
});
