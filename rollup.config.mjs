import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

import pkg from './package.json' with { type: 'json' };

/**
 * The runtime dependencies (eventemitter3, sdp-transform) stay imports in the library builds: the
 * app's bundler resolves and deduplicates them. Property names are never renamed in any build, so
 * the rolled-up `.d.ts` describes the runtime exactly (a subclass's `_open`/`_sip` is called).
 */
const external = Object.keys(pkg.dependencies);

const ts = () =>
    typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true },
    });

export default [
    // Library builds: dependencies external, no adapter.
    {
        input: 'src/index.ts',
        external,
        plugins: [ts()],
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
    // <script> build: everything bundled (dependencies included), webrtc-adapter applied, global
    // `rtcwire`; terser minifies it (local names only, never properties).
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
        external,
        plugins: [dts()],
        output: [
            { file: 'dist/rtcwire.d.ts', format: 'es' },
            { file: 'dist/rtcwire.d.cts', format: 'es' },
        ],
    },
    // adapter.d.ts declares its own small type: webrtc-adapter is bundled, not a dependency.
    { input: 'src/adapter.ts', plugins: [dts()], output: { file: 'dist/adapter.d.ts', format: 'es' } },
];
