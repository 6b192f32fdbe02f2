/**
 * The demo's static files: `demo/**` and `dist/**` under the repository root, nothing else —
 * not the server's sources (`demo/server/`), not the developer scripts (`demo/dev/`), no dot
 * files, no path that leaves those folders (`..`, encoded or not, or a symbolic link).
 */
import { createReadStream, promises as fs } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { CORS, notFound, send } from './respond.ts';

const CONTENT_TYPES: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.cjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.map': 'application/json; charset=utf-8',
    '.ts': 'text/plain; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.ico': 'image/x-icon',
    '.webp': 'image/webp',
    '.txt': 'text/plain; charset=utf-8',
    '.md': 'text/markdown; charset=utf-8',
    '.wasm': 'application/wasm',
};

/** Top-level folders served, and the folders inside them that are not. */
const SERVED: Record<string, readonly string[]> = {
    demo: ['server', 'dev'],
    dist: [],
};

/** Whether `rel` (a path relative to the root, `/`-separated, normalised) may be served. */
export function isServable(rel: string): boolean {
    const parts = rel.split('/');
    const [top, sub] = parts;
    if (!top || !(top in SERVED) || parts.length < 2) return false;
    if (SERVED[top]!.includes(sub ?? '')) return false;
    return parts.every((p) => p && p !== '..' && !p.startsWith('.'));
}

/** Serves `urlPath` (as requested, still percent-encoded, without its leading `/`) from `root`. */
export async function serveStatic(
    res: http.ServerResponse,
    root: string,
    urlPath: string,
    head: boolean,
): Promise<void> {
    let decoded: string;
    try {
        decoded = decodeURIComponent(urlPath);
    } catch {
        return send(res, 400, 'Bad path');
    }
    if (decoded.includes('\0') || decoded.includes('\\')) return send(res, 400, 'Bad path');
    const rel = path.posix.normalize(decoded);
    if (!isServable(rel)) return notFound(res);
    const file = path.join(root, ...rel.split('/'));
    let stat;
    try {
        // a symbolic link inside demo/ must not reach outside what is served either
        const real = path.relative(await fs.realpath(root), await fs.realpath(file));
        if (!isServable(real.split(path.sep).join('/'))) return notFound(res);
        stat = await fs.stat(file);
    } catch {
        return notFound(res);
    }
    if (!stat.isFile()) return notFound(res);
    res.writeHead(200, {
        ...CORS,
        'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(stat.size),
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
    });
    if (head) {
        res.end();
        return;
    }
    createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
}
