/** Small HTTP helpers every route uses: CORS headers, plain-text and JSON answers, bounded bodies. */
import type http from 'node:http';
import { SignalError } from '../relay/SignalError.ts';

/** Any origin may use the API (the demo may be served elsewhere); Location is what WHIP clients read. */
export const CORS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, PATCH, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
    'Access-Control-Expose-Headers': 'Location, Link, ETag',
    'Access-Control-Max-Age': '600',
};

export function send(
    res: http.ServerResponse,
    status: number,
    body: string | Buffer,
    headers: Record<string, string> = {},
): void {
    if (res.headersSent) return;
    res.writeHead(status, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
    res.end(body);
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
    send(res, status, JSON.stringify(body, null, 2), {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
    });
}

/** The same answer for every resource that does not exist — or that the caller may not know exists. */
export function notFound(res: http.ServerResponse): void {
    send(res, 404, 'Not found');
}

/**
 * The request body as text, at most `limit` bytes: beyond it, a 413 error and the rest of the
 * body is read and discarded (destroying the request instead would reset the connection before
 * the client could read the 413).
 */
export function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
    return new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const onData = (c: Buffer) => {
            size += c.length;
            if (size <= limit) {
                chunks.push(c);
                return;
            }
            req.off('data', onData);
            req.resume();
            reject(new SignalError(`Body too large (limit ${limit} bytes)`, 413));
        };
        req.on('data', onData);
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}
