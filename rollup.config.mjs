import commonjs from '@rollup/plugin-commonjs';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () =>
    typescript({
        tsconfig: './tsconfig.json',
        compilerOptions: { noEmit: false, declaration: false, sourceMap: true },
    });
const external = ['eventemitter3'];

export default [
    // Library builds: dependencies stay external, no adapter.
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
    // <script> build: everything bundled, webrtc-adapter applied, global `rtcwire`.
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
    { input: 'src/index.ts', external, plugins: [dts()], output: { file: 'dist/rtcwire.d.ts', format: 'es' } },
    { input: 'src/adapter.ts', plugins: [dts()], output: { file: 'dist/adapter.d.ts', format: 'es' } },
];
