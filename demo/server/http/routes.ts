/**
 * Every HTTP route of the server, in one table-like function: stream info, static files, the
 * fault switch, WHIP/WHEP. (WebSocket upgrades are handled by `ws/`.)
 */
import type http from 'node:http';
import type { FaultCommand, FaultSwitch } from '../faults.ts';
import type { Log } from '../log.ts';
import { SignalError } from '../relay/SignalError.ts';
import { OFFLINE } from '../relay/Stream.ts';
import type { StreamRegistry } from '../relay/StreamRegistry.ts';
import { CORS, json, notFound, readBody, send } from './respond.ts';
import { serveStatic } from './staticFiles.ts';
import { WhipWhep } from './whipWhep.ts';

/** A `POST /_faults` body is a few bytes of JSON. */
const MAX_FAULT_BODY_BYTES = 64 * 1024;

export interface RoutesContext {
    registry: StreamRegistry;
    whipWhep: WhipWhep;
    /** present only when the fault switch is enabled */
    faults?: FaultSwitch;
    /** where `demo/` and `dist/` are served from */
    root: string;
    log: Log;
}

export function createRequestListener(ctx: RoutesContext): http.RequestListener {
    return (req, res) => {
        route(ctx, req, res).catch((e: unknown) => {
            ctx.log('error', 'HTTP handler failed', e);
            try {
                send(res, 500, 'Internal server error');
            } catch {
                res.destroy();
            }
        });
    };
}

async function route(ctx: RoutesContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
        res.writeHead(204, CORS);
        res.end();
        return;
    }
    if (method === 'GET' || method === 'HEAD') {
        const head = method === 'HEAD';
        if (p === '/streams') return json(res, 200, ctx.registry.list());
        const mist = /^\/json_([^/]+)\.js$/.exec(p);
        if (mist) return streamInfo(ctx, res, mist[1]!);
        if (p === '/' || p === '/index.html') return serveStatic(res, ctx.root, 'demo/index.html', head);
        if (p.startsWith('/demo/') || p.startsWith('/dist/')) return serveStatic(res, ctx.root, p.slice(1), head);
        if (p === '/favicon.ico') return send(res, 204, '');
        return notFound(res);
    }
    if (method === 'POST' && p === '/_faults') return faultCommand(ctx, req, res);
    if (method === 'POST' && WhipWhep.isEndpoint(p)) return ctx.whipWhep.post(req, res, url);
    if (method === 'DELETE' || method === 'PATCH') return ctx.whipWhep.resource(req, res, url);
    if (method === 'POST') return notFound(res);
    return send(res, 405, 'Method not allowed');
}

/** `GET /json_<stream>.js`: MistServer's stream info, which the SDK's Player reads to list renditions. */
function streamInfo(ctx: RoutesContext, res: http.ServerResponse, encoded: string): void {
    let name: string;
    try {
        name = decodeURIComponent(encoded);
    } catch {
        return send(res, 400, 'Bad stream name');
    }
    json(res, 200, ctx.registry.streams.get(name)?.mistInfo() ?? OFFLINE);
}

async function faultCommand(ctx: RoutesContext, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!ctx.faults) return notFound(res);
    let cmd: FaultCommand;
    try {
        cmd = JSON.parse(await readBody(req, MAX_FAULT_BODY_BYTES)) as FaultCommand;
    } catch (e) {
        return send(res, e instanceof SignalError ? e.status : 400, e instanceof SignalError ? e.message : 'Bad JSON');
    }
    json(res, 200, ctx.faults.command(cmd ?? {}));
}
