import { resolve } from 'node:path';
import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

import pkg from './package.json' with { type: 'json' };
import { banner, thirdPartyLicenses } from './rollup-plugins/third-party.mjs';

/**
 * The runtime dependencies (eventemitter3, sdp-transform) stay imports in the library builds: the
 * app's bundler resolves and deduplicates them. Property names are never renamed in any build, so
 * the rolled-up `.d.ts` describes the runtime exactly (a subclass's `_open`/`_sip` is called).
 */
const dependencies = Object.keys(pkg.dependencies);

/**
 * The element entry imports the core from `src/index.ts`; its builds import the core's build
 * instead of bundling a second copy (one `Player`, one `RtcError` class for `instanceof`).
 */
const CORE = resolve('src/index.ts');
const elementExternal = (id) => dependencies.includes(id) || id === CORE;

/**
 * Source maps that resolve in the package: every source's content inlined (`inlineSources`);
 * `src/` ships with the package, and a bundled dependency is named by its `node_modules/` path
 * whatever the real path was (a symlinked node_modules resolves outside the package).
 */
const sourcemap = true;
function sourcemapPathTransform(relativeSourcePath) {
    const inModules = /(?:^|[/\\])node_modules[/\\](.*)$/.exec(relativeSourcePath);
    return inModules ? `../node_modules/${inModules[1].replace(/\\/g, '/')}` : relativeSourcePath;
}
const maps = { sourcemap, sourcemapPathTransform };

/**
 * adapter.d.cts: the CommonJS build's `module.exports` is the applied adapter itself
 * (`const adapter = require('rtcwire/adapter')`), which its declarations say with `export =`.
 */
const exportEquals = {
    name: 'export-equals',
    renderChunk(code) {
        const exports = /^export \{ applied as default \};\nexport type \{ [\w, ]+ \};\n?$/m;
        if (!exports.test(code)) throw new Error('adapter.d.cts: unexpected exports in\n' + code);
        return code.replace(exports, 'export = applied;\n');
    },
};

const ts = () =>
    typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true, inlineSources: true },
    });

export default [
    // Library builds: dependencies external, no adapter.
    {
        input: 'src/index.ts',
        external: dependencies,
        plugins: [ts()],
        output: [
            { file: 'dist/rtcwire.js', format: 'es', ...maps },
            { file: 'dist/rtcwire.cjs', format: 'cjs', exports: 'named', ...maps },
        ],
    },
    // `rtcwire/element`: the <rtcwire-player> custom element, importing the core build above.
    {
        input: 'src/element/index.ts',
        external: elementExternal,
        plugins: [ts()],
        output: [
            { file: 'dist/element.js', format: 'es', paths: { [CORE]: './rtcwire.js' }, ...maps },
            { file: 'dist/element.cjs', format: 'cjs', exports: 'named', paths: { [CORE]: './rtcwire.cjs' }, ...maps },
        ],
    },
    // Opt-in shim entry: `import 'rtcwire/adapter'` (or require) applies webrtc-adapter (bundled in).
    {
        input: 'src/adapter.ts',
        plugins: [nodeResolve({ browser: true }), commonjs(), ts(), thirdPartyLicenses()],
        output: [
            { file: 'dist/adapter.js', format: 'es', banner: banner(pkg), ...maps },
            { file: 'dist/adapter.cjs', format: 'cjs', exports: 'default', banner: banner(pkg), ...maps },
        ],
    },
    // <script> build: everything bundled (dependencies included), webrtc-adapter applied,
    // <rtcwire-player> defined, global `rtcwire`; terser minifies it (local names only, never
    // properties) and keeps the `/*!` banner with the bundled packages' notices.
    {
        input: 'src/iife.ts',
        plugins: [nodeResolve({ browser: true }), commonjs(), ts(), thirdPartyLicenses()],
        output: {
            file: 'dist/rtcwire.iife.js',
            format: 'iife',
            name: 'rtcwire',
            banner: banner(pkg),
            plugins: [terser()],
            ...maps,
        },
    },
    // Rolled-up declarations: .d.ts for import, .d.cts for require (TypeScript's node16 resolution).
    {
        input: 'src/index.ts',
        external: dependencies,
        plugins: [dts()],
        output: [
            { file: 'dist/rtcwire.d.ts', format: 'es' },
            { file: 'dist/rtcwire.d.cts', format: 'es' },
        ],
    },
    {
        input: 'src/element/index.ts',
        external: elementExternal,
        plugins: [dts()],
        output: [
            { file: 'dist/element.d.ts', format: 'es', paths: { [CORE]: './rtcwire.js' } },
            { file: 'dist/element.d.cts', format: 'es', paths: { [CORE]: './rtcwire.cjs' } },
        ],
    },
    // adapter.d.ts declares its own small type: webrtc-adapter is bundled, not a dependency.
    {
        input: 'src/adapter.ts',
        plugins: [dts()],
        output: [
            { file: 'dist/adapter.d.ts', format: 'es' },
            { file: 'dist/adapter.d.cts', format: 'es', plugins: [exportEquals] },
        ],
    },
];
