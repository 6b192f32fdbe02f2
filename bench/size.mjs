// Prints the min+gzip size of a bundle importing WSController, HTTPConnector, Player and Streamer
// from the built ESM (its dependencies bundled in, as an app's bundler would), what each runtime
// dependency adds to it, and fails when the whole exceeds the budget. Also prints the
// connectors-only import for reference, and the element (rtcwire/element) against its own budget.
// Usage: npm run build && npm run size
//
// Budget history (raised only in the change that grows the bundle, see ../shared/STYLE.md §13):
// - 12 KB: issue 2's target for the whole import, set before the facades had their policies.
// - 17 KB: Player/Streamer with reconnection, multi-bitrate, adaptive bitrate and normalised
//   stats (issue 4) measured 16.8 KB; the connectors alone 10.6 KB.
// - 12 KB again: a size diet brought the whole import to 11.96 KB, at the cost of readability,
//   of the named dependencies (eventemitter3, sdp-transform) and of the extension points.
// - 20 KB (issue 8): the readable core on eventemitter3 and sdp-transform, counted here with
//   them; no property renaming. The budget is a ceiling against regressions, never a target.
//   `node bench/size-breakdown.mjs` shows what each source file adds.
// - 24 KB (issue 10): WHIP/WHEP for any server (endpoints as given, trickle ICE and ICE restart by
//   PATCH, bounded reads, status mapping, token origin rules and redaction, errors that say what
//   to check, fail-fast starts) measured 21.44 KB; the readable core alone was 18.93 KB.
// - 28 KB (issue 11, metadata and timed data): StreamMetadata and the bounded Metadata model, the
//   data WebSocket, data channels (timed data both ways, MistControl), the command queue shared by
//   WSController and HTTPConnector (CommandConnector), the Player's metadata, audio choice and
//   timed data measured 26.82 KB (22.50 KB before); the connectors alone 17.47 KB (16.16 KB).
// - 30 KB (issue 11, merged with issues 12 and 14): with prepare() and latency, pluggable MBR/ABR
//   with reasons, the camera's resolution steps, QoE stats and the missing-media checks, the
//   whole import measured 28.22 KB.
//
// The element (`rtcwire/element`, <rtcwire-player>) is sized on its own line with its own budget:
// its code alone, the core it imports (./rtcwire.js) left out, as an app that already imports the
// Player pays it. It is not in the core's budget: an app that does not import it does not ship it.
// - 4 KB (issue 13): the element measured 2.25 KB.
import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { existsSync, readFileSync } from 'node:fs';

const BUDGET_BYTES = 30 * 1024;
const ELEMENT_BUDGET_BYTES = 4 * 1024;
if (!existsSync('dist/rtcwire.js')) {
    console.error('dist/rtcwire.js is missing: run `npm run build` first');
    process.exit(1);
}
const DEPENDENCIES = Object.keys(JSON.parse(readFileSync('package.json', 'utf8')).dependencies ?? {});

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (n) => (n / 1024).toFixed(2);

/** How every bundle here is built: minified ESM for browsers, as an app's bundler would. */
const BUNDLE = { bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020', write: false };

/** Bundles `names` from dist/rtcwire.js; returns its size and each dependency's share. */
async function measure(names) {
    const result = await build({
        ...BUNDLE,
        stdin: {
            contents: `import { ${names.join(', ')} } from './dist/rtcwire.js';\nglobalThis.__rtcwire = { ${names.join(', ')} };\n`,
            resolveDir: process.cwd(),
            loader: 'js',
        },
        metafile: true,
        treeShaking: true,
        outfile: 'out.js',
    });
    const code = result.outputFiles.find((f) => f.path.endsWith('out.js')).contents;
    const gz = gzip(code);
    // esbuild emits the inputs in the metafile's order, each as one contiguous slice of the output:
    // a dependency's share of the gzip size is the bundle's gzip size minus that of the bundle
    // without its slices.
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs);
    const shares = DEPENDENCIES.map((dependency) => {
        const kept = [];
        let at = 0;
        let min = 0;
        for (const [file, { bytesInOutput }] of inputs) {
            if (file.includes(`node_modules/${dependency}/`)) min += bytesInOutput;
            else kept.push(code.subarray(at, at + bytesInOutput));
            at += bytesInOutput;
        }
        kept.push(code.subarray(at));
        return { dependency, min, gz: gz - gzip(Buffer.concat(kept)) };
    });
    return { min: code.length, gz, shares };
}

const connectors = await measure(['WSController', 'HTTPConnector']);
const full = await measure(['WSController', 'HTTPConnector', 'Player', 'Streamer']);
console.log(
    `connectors only (WSController + HTTPConnector, with deps): ${kb(connectors.min)} KB min, ${kb(connectors.gz)} KB min+gzip`,
);
console.log(
    `rtcwire (WSController + HTTPConnector + Player + Streamer, with deps): ${kb(full.min)} KB min, ${kb(full.gz)} KB min+gzip (budget ${kb(BUDGET_BYTES)} KB)`,
);
for (const { dependency, min, gz } of full.shares) {
    console.log(`  of which ${dependency}: ${kb(min)} KB min, ${kb(gz)} KB of the min+gzip size`);
}

const element = await build({ ...BUNDLE, entryPoints: ['dist/element.js'], external: ['./rtcwire.js'] });
const elementGz = gzip(element.outputFiles[0].contents);
console.log(
    `rtcwire/element (<rtcwire-player>, without the core it imports): ${kb(element.outputFiles[0].contents.length)} KB min, ${kb(elementGz)} KB min+gzip (budget ${kb(ELEMENT_BUDGET_BYTES)} KB)`,
);

let failed = false;
if (full.gz > BUDGET_BYTES) {
    console.error(`size budget exceeded by ${full.gz - BUDGET_BYTES} bytes`);
    failed = true;
}
if (elementGz > ELEMENT_BUDGET_BYTES) {
    console.error(`element size budget exceeded by ${elementGz - ELEMENT_BUDGET_BYTES} bytes`);
    failed = true;
}
if (failed) process.exit(1);
