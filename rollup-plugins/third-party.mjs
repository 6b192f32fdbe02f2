// @ts-check
/**
 * Rollup plugin: the notices of the third-party packages a build bundles (webrtc-adapter and sdp
 * in the adapter entry; those plus eventemitter3 and sdp-transform in the <script> build).
 *
 * - `banner(chunk)` is an `output.banner`: a `/*! … *\/` comment (kept by terser) naming each
 *   bundled package with its version, license and copyright lines, and pointing at the file below.
 * - The plugin emits `THIRD_PARTY_LICENSES.txt` next to the output: every package bundled by any
 *   build of this run, with the builds that bundle it and its full license text. All builds share
 *   one record, so the last build to write the file lists them all whatever the order.
 *
 * Packages are found from the chunk's module ids (`…/node_modules/<name>/…`, scoped names too),
 * so a new bundled dependency is listed without editing anything here.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

export const LICENSES_FILE = 'THIRD_PARTY_LICENSES.txt';

/**
 * @typedef {{ name: string; version: string; license: string; homepage: string; text: string;
 *   copyrights: string[]; files: Set<string> }} Bundled
 */

/** @type {Map<string, Bundled>} every bundled package seen in this run, by name */
const seen = new Map();

/** The root folder of the package a module id belongs to, or undefined for our own sources. */
function packageRoot(id) {
    const path = id.replace(/^\0/, '').split('?')[0];
    const match = /^(.*[/\\]node_modules[/\\](?:@[^/\\]+[/\\])?[^/\\]+)[/\\]/.exec(path);
    return match?.[1];
}

/**
 * A browsable URL of a package.json `repository` (a URL, `git+…`/`git://` forms, or the GitHub
 * shorthand `owner/name`).
 * @param {string | { url?: string } | undefined} repository
 */
function repositoryUrl(repository) {
    const url = typeof repository === 'string' ? repository : repository?.url;
    if (!url) return undefined;
    if (/^[\w.-]+\/[\w.-]+$/.test(url)) return `https://github.com/${url}`;
    return url
        .replace(/^git\+/, '')
        .replace(/^git:\/\//, 'https://')
        .replace(/\.git$/, '');
}

/** @param {string} root */
function readPackage(root) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const licenseFile = readdirSync(root).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
    if (!licenseFile) throw new Error(`${pkg.name}: no LICENSE file to reproduce in ${LICENSES_FILE}`);
    const text = readFileSync(join(root, licenseFile), 'utf8').trim();
    return {
        name: pkg.name,
        version: pkg.version,
        license: pkg.license,
        homepage: pkg.homepage ?? repositoryUrl(pkg.repository) ?? '',
        text,
        copyrights: [...text.matchAll(/^\s*(Copyright (?:\(c\) )?\d{4}.*)$/gim)].map((m) => m[1].trim()),
        files: new Set(),
    };
}

/**
 * The packages bundled in `moduleIds`, recorded as bundled in `file`.
 * @param {readonly string[]} moduleIds
 * @param {string} file
 * @returns {Bundled[]}
 */
function bundledIn(moduleIds, file) {
    const roots = new Set();
    for (const id of moduleIds) {
        const root = packageRoot(id);
        if (root) roots.add(existsSync(root) ? realpathSync(root) : root);
    }
    return [...roots].map((root) => {
        const info = readPackage(root);
        const known = seen.get(info.name) ?? info;
        seen.set(info.name, known);
        known.files.add(file);
        return known;
    });
}

/**
 * An `output.banner` for a build that bundles third-party code: rtcwire's own line, then one line
 * per bundled package.
 * @param {{ name: string; version: string; license: string; repository: { url: string } }} pkg rtcwire's package.json
 * @returns {(chunk: import('rollup').RenderedChunk) => string}
 */
export function banner(pkg) {
    return (chunk) => {
        const packages = bundledIn(chunk.moduleIds, chunk.fileName);
        const own = `${pkg.name} ${pkg.version} | ${pkg.license} License | ${repositoryUrl(pkg.repository)}`;
        if (packages.length === 0) return `/*! ${own} */`;
        const lines = packages.map((p) => ` * ${p.name} ${p.version} (${p.license}): ${p.copyrights.join(' ')}`);
        return [
            `/*! ${own}`,
            ' * Bundles the following packages; their full license texts are in',
            ` * ${LICENSES_FILE} (next to this file in the npm package):`,
            ...lines,
            ' */',
        ].join('\n');
    };
}

/** The plugin that writes THIRD_PARTY_LICENSES.txt. @returns {import('rollup').Plugin} */
export function thirdPartyLicenses() {
    return {
        name: 'third-party-licenses',
        generateBundle(_options, bundle) {
            for (const chunk of Object.values(bundle)) {
                if (chunk.type === 'chunk') bundledIn(Object.keys(chunk.modules), chunk.fileName);
            }
            const packages = [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
            const sections = packages.map((p) =>
                [
                    '-'.repeat(78),
                    `${p.name} ${p.version} (${p.license})`,
                    p.homepage,
                    `Bundled in: ${[...p.files].sort().join(', ')}`,
                    '',
                    p.text,
                ].join('\n'),
            );
            this.emitFile({
                type: 'asset',
                fileName: LICENSES_FILE,
                source: [
                    'Third-party software bundled in the builds of rtcwire',
                    '',
                    "rtcwire's own license is in LICENSE. Its ESM and CommonJS builds (rtcwire.js,",
                    'rtcwire.cjs, element.js, element.cjs) bundle no third-party code: they import',
                    'their dependencies. The builds below bundle these packages, under their licenses:',
                    '',
                    ...sections,
                    '',
                ].join('\n'),
            });
        },
    };
}
