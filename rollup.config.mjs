import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { transform } from 'esbuild';
import { dts } from 'rollup-plugin-dts';

/**
 * Internal members are named `_x` (TypeScript `private`/`protected`, marked `@internal`). Bundlers
 * keep property names, so the library builds shorten them (`_sessionAbort` → `_a`): the same
 * effect as `#private` fields under an ES2022 target, without the WeakMap helpers that bundlers
 * targeting ES2020 turn `#private` fields into. Emitter's subclass hooks keep their names.
 * `bench/size-breakdown.mjs --mangle` applies the same rule.
 */
export const MANGLE = /^_[a-z]/;
export const RESERVED = /^_(?:emit|emitNow|log)$/;

/**
 * Renames the internal members of a chunk (readable output otherwise, source map chained).
 * Short names keep their `_` (`_sessionAbort` → `_a`) so they never clash with a property an
 * application or a subclass adds.
 */
const mangleInternals = () => ({
    name: 'mangle-internals',
    async renderChunk(code, chunk) {
        const options = { loader: 'js', target: 'es2020', mangleProps: MANGLE, reserveProps: RESERVED };
        // First pass: esbuild's choice of short names (most used first); then the same with `_`.
        const { mangleCache } = await transform(code, { ...options, mangleCache: {} });
        const names = Object.fromEntries(
            Object.entries(mangleCache).map(([name, short]) => [name, short === false ? false : `_${short}`]),
        );
        const result = await transform(code, {
            ...options,
            mangleCache: names,
            sourcemap: 'external',
            sourcefile: chunk.fileName,
            legalComments: 'inline',
        });
        return { code: result.code, map: result.map };
    },
});

const ts = () =>
    typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true },
    });

export default [
    // Library builds: no dependencies, no adapter.
    {
        input: 'src/index.ts',
        plugins: [ts(), mangleInternals()],
        output: [
            { file: 'dist/rtcwire.js', format: 'es', sourcemap: true },
            { file: 'dist/rtcwire.cjs', format: 'cjs', sourcemap: true, exports: 'named' },
        ],
    },
    // Opt-in shim entry: `import 'rtcwire/adapter'` applies webrtc-adapter (bundled in).
    {
        input: 'src/adapter.ts',
        plugins: [nodeResolve({ browser: true }), commonjs(), ts()],
        output: { file: 'dist/adapter.js', format: 'es', sourcemap: true },
    },
    // <script> build: everything bundled, webrtc-adapter applied, global `rtcwire`. Not
    // mangled: the bundled dependencies have `_` members of their own; terser minifies it.
    {
        input: 'src/iife.ts',
        plugins: [nodeResolve({ browser: true }), commonjs(), ts()],
        output: {
            file: 'dist/rtcwire.iife.js',
            format: 'iife',
            name: 'rtcwire',
            sourcemap: true,
            plugins: [terser()],
        },
    },
    // Rolled-up declarations: .d.ts for import, .d.cts for require (TypeScript's node16 resolution).
    {
        input: 'src/index.ts',
        plugins: [dts()],
        output: [
            { file: 'dist/rtcwire.d.ts', format: 'es' },
            { file: 'dist/rtcwire.d.cts', format: 'es' },
        ],
    },
    // adapter.d.ts declares its own small type: webrtc-adapter is bundled, not a dependency.
    { input: 'src/adapter.ts', plugins: [dts()], output: { file: 'dist/adapter.d.ts', format: 'es' } },
];
