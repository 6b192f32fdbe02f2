// Prints the min+gzip size of a bundle importing WSController, HTTPConnector, Player and Streamer
// from the built ESM (dependencies included) and fails when it exceeds the budget.
// Usage: npm run build && npm run size
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';

const BUDGET_BYTES = 12 * 1024;
if (!existsSync('dist/rtcwire.js')) {
    console.error('dist/rtcwire.js is missing: run `npm run build` first');
    process.exit(1);
}
const result = await build({
    stdin: {
        contents:
            "import { WSController, HTTPConnector, Player, Streamer } from './dist/rtcwire.js';\n" +
            'globalThis.__rtcwire = { WSController, HTTPConnector, Player, Streamer };\n',
        resolveDir: process.cwd(),
        loader: 'js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    treeShaking: true,
});
const code = result.outputFiles[0].contents;
const gz = gzipSync(code, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(2);
console.log(
    `rtcwire (WSController + HTTPConnector + Player + Streamer, with deps): ${kb(code.length)} KB min, ${kb(gz)} KB min+gzip (budget ${kb(BUDGET_BYTES)} KB)`,
);
if (gz > BUDGET_BYTES) {
    console.error(`size budget exceeded by ${gz - BUDGET_BYTES} bytes`);
    process.exit(1);
}
