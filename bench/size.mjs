// Prints the min+gzip size of a bundle importing WSController, HTTPConnector, Player and Streamer
// from the built ESM (dependencies included) and fails when it exceeds the budget. Also prints the
// connectors-only import for reference. Usage: npm run build && npm run size
//
// Budget history (raised only in the change that grows the bundle, see ../shared/STYLE.md §13):
// - 12 KB: issue 2's target for the whole import, set before the facades had their policies.
// - 17 KB: Player/Streamer with reconnection, multi-bitrate, adaptive bitrate and normalised
//   stats (issue 4) measured 16.8 KB; the connectors alone 10.6 KB.
// - 12 KB again: the diet (shared code paths, merged helpers, shorter messages, dead code out)
//   brought the whole import to 11.96 KB, the connectors alone to 7.60 KB, with the same features.
//   `node bench/size-breakdown.mjs --mangle` shows what each source file adds to the gzip size.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';

const BUDGET_BYTES = 12 * 1024;
if (!existsSync('dist/rtcwire.js')) {
    console.error('dist/rtcwire.js is missing: run `npm run build` first');
    process.exit(1);
}

async function measure(names) {
    const result = await build({
        stdin: {
            contents: `import { ${names.join(', ')} } from './dist/rtcwire.js';\nglobalThis.__rtcwire = { ${names.join(', ')} };\n`,
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
    return { min: code.length, gz: gzipSync(code, { level: 9 }).length };
}

const kb = (n) => (n / 1024).toFixed(2);
const connectors = await measure(['WSController', 'HTTPConnector']);
const full = await measure(['WSController', 'HTTPConnector', 'Player', 'Streamer']);
console.log(
    `connectors only (WSController + HTTPConnector): ${kb(connectors.min)} KB min, ${kb(connectors.gz)} KB min+gzip`,
);
console.log(
    `rtcwire (WSController + HTTPConnector + Player + Streamer, with deps): ${kb(full.min)} KB min, ${kb(full.gz)} KB min+gzip (budget ${kb(BUDGET_BYTES)} KB)`,
);
if (full.gz > BUDGET_BYTES) {
    console.error(`size budget exceeded by ${full.gz - BUDGET_BYTES} bytes`);
    process.exit(1);
}
