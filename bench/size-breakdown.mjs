// Size breakdown of the bundle `npm run size` measures, per input file (bytes of minified output).
// Usage: node bench/size-breakdown.mjs          bundles src/index.ts directly (no rollup needed)
//        node bench/size-breakdown.mjs --dist   bundles dist/rtcwire.js (after `npm run build`)
//        TARGET=es2022 node bench/size-breakdown.mjs   another target (`npm run size` uses es2020)
// Prints the total min / min+gzip size, then per input: its bytes in the minified bundle and what it
// adds to the gzip size (the bundle's gzip size minus the gzip size of the bundle without its bytes;
// esbuild emits inputs in the metafile's order, so each input is one contiguous slice).
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { relative } from 'node:path';

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
    logLevel: 'warning',
});
const code = result.outputFiles.find((f) => f.path.endsWith('out.js')).contents;
const gzip = (text) => gzipSync(text, { level: 9 }).length;
const gz = gzip(code);
const kb = (n) => (n / 1024).toFixed(2);
console.log(`${entry}: ${kb(code.length)} KB min, ${kb(gz)} KB min+gzip`);
console.log('    min  +gzip  input');
const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs);
const rows = [];
let at = 0;
for (const [file, { bytesInOutput }] of inputs) {
    const gzipShare = gz - gzip(Buffer.concat([code.subarray(0, at), code.subarray(at + bytesInOutput)]));
    at += bytesInOutput;
    if (bytesInOutput > 0) rows.push([relative(process.cwd(), file), bytesInOutput, gzipShare]);
}
rows.sort((a, b) => b[2] - a[2]);
for (const [file, bytes, share] of rows)
    console.log(`${String(bytes).padStart(7)} ${String(share).padStart(6)}  ${file}`);
