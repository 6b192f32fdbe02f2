// Size breakdown of the bundle `npm run size` measures, per input file (bytes of minified output).
// Usage: node bench/size-breakdown.mjs          bundles src/index.ts directly (no rollup needed)
//        node bench/size-breakdown.mjs --dist   bundles dist/rtcwire.js (after `npm run build`)
//        --mangle   also mangles internal `_` members, as the rollup build does (src only)
//        TARGET=es2022 node bench/size-breakdown.mjs   another target (`npm run size` uses es2020)
// Prints the total min / min+gzip size and the bytes each input contributes to the minified bundle.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { relative } from 'node:path';

const { MANGLE, RESERVED } = await import('../rollup.config.mjs').catch(() => ({}));
const fromDist = process.argv.includes('--dist');
const entry = fromDist ? './dist/rtcwire.js' : './src/index.ts';
const result = await build({
    stdin: {
        contents:
            `import { WSController, HTTPConnector, Player, Streamer } from '${entry}';\n` +
            'globalThis.__rtcwire = { WSController, HTTPConnector, Player, Streamer };\n',
        resolveDir: process.cwd(),
        loader: 'ts',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: process.env.TARGET ?? 'es2020',
    write: false,
    metafile: true,
    treeShaking: true,
    outfile: 'out.js',
    ...(process.argv.includes('--mangle') ? { mangleProps: MANGLE, reserveProps: RESERVED } : {}),
    logLevel: 'warning',
});
const code = result.outputFiles.find((f) => f.path.endsWith('out.js')).contents;
const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(2);
console.log(`${entry}: ${kb(code.length)} KB min, ${kb(gz)} KB min+gzip`);
const inputs = Object.values(result.metafile.outputs)[0].inputs;
const rows = Object.entries(inputs)
    .map(([file, { bytesInOutput }]) => [relative(process.cwd(), file), bytesInOutput])
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
for (const [file, bytes] of rows) console.log(`${String(bytes).padStart(7)}  ${file}`);
