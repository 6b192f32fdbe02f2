/**
 * rtcwire reference server: static demo files, MistServer-style WebSocket signaling on /webrtc/<stream>,
 * WHIP/WHEP, /streams, and a test-only fault switch. Loopback only.
 *
 *   import { startServer } from './demo/server/main.ts';
 *   const server = await startServer({ port: 0 });   // → { url, port, host, close() }
 */
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RTCDtlsTransport } from 'werift';
import { WebSocketServer, type WebSocket } from 'ws';
import { analyzeOffer } from './sdp.ts';
import {
    applyRtpProps,
    PlaySession,
    PublishSession,
    Registry,
    SignalError,
    type Channel,
    type Log,
    type Session,
} from './relay.ts';

const KNOWN_COMMANDS = new Set([
    'offer_sdp',
    'rtp_props',
    'video_bitrate',
    'keyframe_interval',
    'tracks',
    'seek',
    'play',
    'hold',
    'pause',
    'set_speed',
    'fast_forward',
    'stop',
]);

export interface ServerOptions {
    /** bind address, default env HOST or 127.0.0.1 */
    host?: string;
    /** port, default env PORT or 8080; 0 = any free port */
    port?: number;
    /** how long a play request waits for a publisher (ms), default env RTCWIRE_PLAY_WAIT_MS or 10000 */
    playWaitMs?: number;
    /** server-side keyframe request interval bounding the cached GOP (ms), default 2000; 0 = off */
    keyframeIntervalMs?: number;
    /** REMB sent to publishers before any video_bitrate command, default 8 Mbit/s */
    defaultVideoBitrate?: number;
    /** a connected peer silent this long (no STUN consent check, RTP or RTCP) is dropped, default 8000 ms;
     *  a peer that never connects is dropped after twice that */
    peerTimeoutMs?: number;
    /** enable the test-only fault switch (default env RTCWIRE_FAULTS=1) */
    faults?: boolean;
    /** repository root for static files (default: two levels above this file) */
    root?: string;
    /** logging: false = silent, true/'info' = info and above, 'debug' = everything, or a function */
    log?: boolean | 'info' | 'debug' | Log;
    /** install process-level uncaughtException/unhandledRejection guards that log (default true) */
    processGuards?: boolean;
}

export interface RunningServer {
    url: string;
    host: string;
    port: number;
    /** stream info as served on GET /streams */
    streams(): unknown[];
    /** runtime fault control (same as POST /_faults), only when faults are enabled */
    faults(cmd: FaultCommand): Record<string, unknown>;
    /**
     * Stops the server. Graceful by default: sessions end (players get `on_stop`). `abrupt: true`
     * behaves like the process dying: sockets are cut first, without close frames or `on_stop`.
     */
    close(options?: { abrupt?: boolean }): Promise<void>;
}

export interface FaultCommand {
    stream?: string;
    loss?: number;
    /** percentage of the publisher's packets dropped on arrival (with `stream`) */
    ingestLoss?: number;
    dropSockets?: string;
}

interface SessionFaults {
    dropSocketAfter?: number;
    loss?: number;
    answerDelay?: number;
    refuse?: boolean;
    malformed?: boolean;
}

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

const CORS = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, POST, DELETE, PATCH, OPTIONS',
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
    'Access-Control-Expose-Headers': 'Location, Link, ETag',
    'Access-Control-Max-Age': '600',
};

function makeLogger(opt: ServerOptions['log']): Log {
    if (typeof opt === 'function') return opt;
    if (opt === false) return () => undefined;
    const debug = opt === 'debug' || process.env.RTCWIRE_DEBUG === '1';
    return (level, msg, extra) => {
        if (level === 'debug' && !debug) return;
        const line = `[rtcwire-server] ${level}: ${msg}`;
        const rest = extra === undefined ? [] : [extra instanceof Error ? extra.message : extra];
        if (level === 'error' || level === 'warn') console.error(line, ...rest);
        else console.log(line, ...rest);
    };
}

let guardsInstalled = false;
function installGuards(log: Log): void {
    if (guardsInstalled) return;
    guardsInstalled = true;
    process.on('uncaughtException', (e) => log('error', 'uncaught exception (kept running)', e?.stack ?? e));
    process.on('unhandledRejection', (e) =>
        log('error', 'unhandled rejection (kept running)', (e as Error)?.stack ?? e),
    );
}

function num(v: string | null | undefined): number | undefined {
    if (v === null || v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
}

function parseFaults(q: URLSearchParams): SessionFaults {
    return {
        dropSocketAfter: num(q.get('fault_drop_socket_after')),
        loss: num(q.get('fault_loss')),
        answerDelay: num(q.get('fault_answer_delay')),
        refuse: q.get('fault_refuse') === '1' || q.get('fault_refuse') === 'true',
        malformed: q.get('fault_malformed') === '1' || q.get('fault_malformed') === 'true',
    };
}

/** `/webrtc/<name>` → name (URL-decoded), or undefined. */
function streamFromPath(pathname: string, prefix: string): string | undefined {
    if (!pathname.startsWith(prefix)) return undefined;
    const rest = pathname.slice(prefix.length);
    if (!rest || rest.includes('/')) return undefined;
    try {
        const name = decodeURIComponent(rest);
        return name && name.length <= 200 && ![...name].some((ch) => ch.charCodeAt(0) < 0x20) ? name : undefined;
    } catch {
        return undefined;
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
    const log = makeLogger(options.log ?? 'info');
    if (options.processGuards !== false) installGuards(log);
    const host = options.host ?? process.env.HOST ?? '127.0.0.1';
    const port = options.port ?? num(process.env.PORT) ?? 8080;
    const faultsOn = options.faults ?? process.env.RTCWIRE_FAULTS === '1';
    const root = path.resolve(options.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
    const registry = new Registry({
        playWaitMs: options.playWaitMs ?? num(process.env.RTCWIRE_PLAY_WAIT_MS) ?? 10_000,
        keyframeIntervalMs: options.keyframeIntervalMs ?? 2000,
        defaultVideoBitrate: options.defaultVideoBitrate ?? 8_000_000,
        peerTimeoutMs: options.peerTimeoutMs ?? 8000,
        log,
    });
    /** WHIP/WHEP sessions by resource id */
    const httpSessions = new Map<string, Session>();
    /** WHIP/WHEP resources that ended recently: their DELETE succeeds (teardown is idempotent). */
    const endedHttpSessions = new Map<string, number>();
    /** all live sockets by stream name (for the dropSockets fault) */
    const sockets = new Map<string, Set<WebSocket>>();
    const allSessions = new Set<Session>();

    const track = (s: Session) => {
        allSessions.add(s);
        s.onClose.add(() => allSessions.delete(s));
    };

    // ------------------------------------------------------------------ faults
    const applyFaults = (cmd: FaultCommand): Record<string, unknown> => {
        const out: Record<string, unknown> = {};
        if (cmd.stream !== undefined && cmd.loss !== undefined) {
            const loss = Math.max(0, Math.min(100, Number(cmd.loss) || 0));
            registry.get(String(cmd.stream)).loss = loss;
            out.loss = loss;
        }
        if (cmd.stream !== undefined && cmd.ingestLoss !== undefined) {
            const loss = Math.max(0, Math.min(100, Number(cmd.ingestLoss) || 0));
            registry.get(String(cmd.stream)).ingestLoss = loss;
            out.ingestLoss = loss;
        }
        if (cmd.dropSockets !== undefined) {
            const set = sockets.get(String(cmd.dropSockets));
            out.dropped = set?.size ?? 0;
            for (const ws of set ?? []) ws.terminate();
        }
        return out;
    };

    // ------------------------------------------------------------------ offers (shared by WS and HTTP)
    async function handleOffer(
        name: string,
        offer: string,
        channel: Channel,
        query: URLSearchParams,
        expected?: 'publish' | 'play',
        onCreated?: (s: Session) => void,
    ): Promise<{ session: Session; answer: string }> {
        let info;
        try {
            info = analyzeOffer(offer);
        } catch (e) {
            throw new SignalError(`Invalid offer: ${(e as Error).message}`, 400);
        }
        if (expected && info.role !== expected) {
            throw new SignalError(`Offer direction does not match ${expected === 'publish' ? 'WHIP' : 'WHEP'}`, 400);
        }
        const stream = registry.get(name);
        const session =
            info.role === 'publish'
                ? new PublishSession(registry, stream, channel)
                : new PlaySession(registry, stream, channel, { audio: query.get('audio'), video: query.get('video') });
        track(session);
        onCreated?.(session);
        try {
            const answer = await (session as PublishSession | PlaySession).answer(offer, info);
            return { session, answer };
        } catch (e) {
            session.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ HTTP
    const send = (
        res: http.ServerResponse,
        status: number,
        body: string | Buffer,
        headers: Record<string, string> = {},
    ) => {
        if (res.headersSent) return;
        res.writeHead(status, { ...CORS, 'Content-Type': 'text/plain; charset=utf-8', ...headers });
        res.end(body);
    };
    const json = (res: http.ServerResponse, status: number, body: unknown) =>
        send(res, status, JSON.stringify(body, null, 2), {
            'Content-Type': 'application/json; charset=utf-8',
            'Cache-Control': 'no-store',
        });

    const readBody = (req: http.IncomingMessage, limit = 1 << 20) =>
        new Promise<string>((resolve, reject) => {
            const chunks: Buffer[] = [];
            let size = 0;
            req.on('data', (c: Buffer) => {
                size += c.length;
                if (size > limit) {
                    reject(new SignalError('Body too large', 413));
                    req.destroy();
                } else chunks.push(c);
            });
            req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
            req.on('error', reject);
        });

    async function serveStatic(res: http.ServerResponse, rel: string, head: boolean) {
        let decoded: string;
        try {
            decoded = decodeURIComponent(rel);
        } catch {
            return send(res, 400, 'Bad path');
        }
        if (decoded.includes('\0')) return send(res, 400, 'Bad path');
        const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
        const allowed = [path.join(root, 'demo') + path.sep, path.join(root, 'dist') + path.sep];
        if (!allowed.some((a) => file.startsWith(a)) || file.startsWith(path.join(root, 'demo', 'server') + path.sep)) {
            return send(res, 404, 'Not found');
        }
        let stat;
        try {
            stat = await fs.stat(file);
        } catch {
            return send(res, 404, 'Not found');
        }
        if (!stat.isFile()) return send(res, 404, 'Not found');
        res.writeHead(200, {
            ...CORS,
            'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
            'Content-Length': String(stat.size),
            'Cache-Control': 'no-cache',
            'X-Content-Type-Options': 'nosniff',
        });
        if (head) return res.end();
        createReadStream(file)
            .on('error', () => res.destroy())
            .pipe(res);
    }

    async function handleHttp(req: http.IncomingMessage, res: http.ServerResponse) {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const p = url.pathname;
        const method = req.method ?? 'GET';
        if (method === 'OPTIONS') {
            res.writeHead(204, CORS);
            return res.end();
        }
        if (method === 'GET' || method === 'HEAD') {
            if (p === '/streams') return json(res, 200, registry.list());
            const mist = /^\/json_([^/]+)\.js$/.exec(p);
            if (mist) {
                let name: string;
                try {
                    name = decodeURIComponent(mist[1]!);
                } catch {
                    return send(res, 400, 'Bad stream name');
                }
                const stream = registry.streams.get(name);
                return json(
                    res,
                    200,
                    stream ? stream.mistInfo() : { error: 'Stream is offline', on_error: 'Stream is offline' },
                );
            }
            if (p === '/' || p === '/index.html') return serveStatic(res, 'demo/index.html', method === 'HEAD');
            if (p.startsWith('/demo/') || p.startsWith('/dist/'))
                return serveStatic(res, p.slice(1), method === 'HEAD');
            if (p === '/favicon.ico') return send(res, 204, '');
            return send(res, 404, 'Not found');
        }
        if (method === 'POST' && p === '/_faults') {
            if (!faultsOn) return send(res, 404, 'Not found');
            let cmd: FaultCommand;
            try {
                cmd = JSON.parse(await readBody(req, 65536)) as FaultCommand;
            } catch {
                return send(res, 400, 'Bad JSON');
            }
            return json(res, 200, applyFaults(cmd ?? {}));
        }
        if (method === 'POST') {
            const kind = p.startsWith('/whip/') ? 'publish' : p.startsWith('/whep/') ? 'play' : undefined;
            const name = streamFromPath(p, '/whip/') ?? streamFromPath(p, '/whep/') ?? streamFromPath(p, '/webrtc/');
            if (!name) return send(res, 404, 'Not found');
            const ct = (req.headers['content-type'] ?? '').toLowerCase();
            if (ct && !ct.startsWith('application/sdp')) return send(res, 415, 'Content-Type must be application/sdp');
            const offer = await readBody(req);
            const f = faultsOn ? parseFaults(url.searchParams) : {};
            if (f.answerDelay) await sleep(f.answerDelay);
            if (f.refuse) return send(res, 403, 'Refused (fault_refuse)');
            if (f.loss !== undefined) registry.get(name).loss = f.loss;
            let aborted = false;
            res.on('close', () => {
                if (!res.writableFinished) aborted = true;
            });
            try {
                const { session, answer } = await handleOffer(
                    name,
                    offer,
                    { send: () => undefined, close: () => undefined },
                    url.searchParams,
                    kind,
                );
                if (aborted) {
                    session.close();
                    return;
                }
                const base = p.startsWith('/webrtc/')
                    ? session.role === 'publish'
                        ? '/whip/'
                        : '/whep/'
                    : p.slice(0, 6);
                const location = `${base}${encodeURIComponent(name)}/${session.id}`;
                httpSessions.set(session.id, session);
                session.onClose.add(() => {
                    httpSessions.delete(session.id);
                    endedHttpSessions.set(session.id, Date.now());
                });
                if (f.dropSocketAfter) setTimeout(() => session.close(), f.dropSocketAfter);
                return send(res, 201, answer, {
                    'Content-Type': 'application/sdp',
                    Location: location,
                    ETag: `"${session.id}"`,
                });
            } catch (e) {
                const err = e instanceof SignalError ? e : new SignalError((e as Error).message, 500);
                if (err.status >= 500) log('error', `POST ${p} failed`, e);
                return send(res, err.status, err.message);
            }
        }
        if (method === 'DELETE' || method === 'PATCH') {
            const m = /^\/(whip|whep|webrtc)\/[^/]+\/([^/]+)$/.exec(p);
            const session = m ? httpSessions.get(m[2]!) : undefined;
            if (!session) {
                for (const [id, at] of endedHttpSessions) if (Date.now() - at > 60_000) endedHttpSessions.delete(id);
                if (method === 'DELETE' && m && endedHttpSessions.has(m[2]!)) return send(res, 200, '');
                return send(res, 404, 'Not found');
            }
            if (method === 'PATCH') return send(res, 405, 'Trickle ICE not supported', { Allow: 'DELETE' });
            session.close();
            return send(res, 200, '');
        }
        return send(res, 405, 'Method not allowed');
    }

    const server = http.createServer((req, res) => {
        handleHttp(req, res).catch((e: unknown) => {
            log('error', 'HTTP handler failed', e);
            try {
                send(res, e instanceof SignalError ? e.status : 500, (e as Error).message ?? 'error');
            } catch {
                res.destroy();
            }
        });
    });
    server.on('clientError', (_e, socket) => socket.destroy());

    // ------------------------------------------------------------------ WebSocket
    const wss = new WebSocketServer({ noServer: true, maxPayload: 2 << 20 });
    server.on('upgrade', (req, socket, head) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const name = streamFromPath(url.pathname, '/webrtc/');
        if (!name) {
            socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
            return;
        }
        socket.on('error', () => undefined);
        wss.handleUpgrade(req, socket, head, (ws) => onSocket(ws, name, url.searchParams));
    });

    function onSocket(ws: WebSocket, name: string, query: URLSearchParams) {
        const f = faultsOn ? parseFaults(query) : {};
        let set = sockets.get(name);
        if (!set) sockets.set(name, (set = new Set()));
        set.add(ws);
        let session: Session | undefined;
        let negotiating = false;
        /** the session being negotiated (a play offer may wait for its publisher) */
        let pending: Session | undefined;
        /** commands received before the session exists are replayed to it */
        const early: Record<string, unknown>[] = [];
        const preProps = { nack: 100, drop: 500 };
        const channel: Channel = {
            send: (msg) => {
                if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
            },
            close: () => {
                if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
            },
        };
        if (f.loss !== undefined) registry.get(name).loss = f.loss;
        const dropTimer = f.dropSocketAfter ? setTimeout(() => ws.terminate(), f.dropSocketAfter) : undefined;
        ws.on('error', (e) => log('debug', `socket error on ${name}`, e));
        ws.on('close', () => {
            clearTimeout(dropTimer);
            set!.delete(ws);
            if (!set!.size && sockets.get(name) === set) sockets.delete(name);
            session?.close();
            pending?.close();
            session = pending = undefined;
            registry.release(registry.get(name));
        });

        const onOffer = async (msg: Record<string, unknown>) => {
            if (session || negotiating) {
                channel.send({ type: 'on_error', command: 'offer_sdp', message: 'Session already negotiated' });
                return;
            }
            if (typeof msg.offer_sdp !== 'string') {
                channel.send({ type: 'on_error', command: 'offer_sdp', message: 'offer_sdp must be a string' });
                return;
            }
            negotiating = true;
            if (f.malformed && ws.readyState === ws.OPEN) {
                ws.send('{"type": "on_answer_sdp", "result": tru');
                ws.send('not json at all');
                ws.send(Buffer.from([0, 1, 2, 3, 255]));
                ws.send(JSON.stringify({ type: 'on_fault_unknown_type', data: 42 }));
                ws.send(JSON.stringify({ noType: true }));
                ws.send(JSON.stringify({ type: 'on_time', data: 'wrong shape' }));
                ws.send(JSON.stringify({ type: 'padding', pad: 'x'.repeat(1 << 20) }));
            }
            if (f.answerDelay) await sleep(f.answerDelay);
            if (ws.readyState !== ws.OPEN) return;
            if (f.refuse) {
                channel.send({ type: 'on_answer_sdp', result: false, message: 'refused (fault_refuse)' });
                return;
            }
            try {
                const r = await handleOffer(name, msg.offer_sdp, channel, query, undefined, (s) => (pending = s));
                if (ws.readyState !== ws.OPEN) {
                    r.session.close();
                    return;
                }
                session = r.session;
                session.rtpProps = { ...preProps };
                session.onClose.add(() => {
                    // the pc went away: end the signaling session too
                    if (session === r.session) channel.close();
                });
                channel.send({ type: 'on_answer_sdp', result: true, answer_sdp: r.answer });
                for (const m of early.splice(0)) dispatch(m);
            } catch (e) {
                const err = e instanceof SignalError ? e : new SignalError((e as Error).message, 500);
                if (err.status >= 500) log('error', `offer on ${name} failed`, e);
                if (err.status === 409 || err.status === 403) {
                    channel.send({ type: 'on_answer_sdp', result: false, message: err.message });
                } else {
                    channel.send({ type: 'on_error', command: 'offer_sdp', message: err.message });
                    channel.close();
                }
            } finally {
                negotiating = false;
                pending = undefined;
            }
        };

        const dispatch = (msg: Record<string, unknown>) => {
            const type = msg.type;
            if (type === 'offer_sdp') return void onOffer(msg);
            if (type === 'stop') {
                session?.close();
                pending?.close();
                ws.close(1000);
                return;
            }
            if (!session) {
                if (type === 'rtp_props') {
                    // answered at once, handed to the session when it exists
                    applyRtpProps(preProps, msg);
                    channel.send({ type: 'on_rtp_props', result: true, ...preProps });
                } else if (!KNOWN_COMMANDS.has(String(type))) {
                    channel.send({
                        type: 'on_error',
                        command: String(type),
                        message: `Unknown command: ${String(type)}`,
                    });
                } else if (early.length < 50) early.push(msg);
                return;
            }
            if (!session.command(msg)) {
                channel.send({ type: 'on_error', command: String(type), message: `Unknown command: ${String(type)}` });
            }
        };

        ws.on('message', (data, isBinary) => {
            try {
                if (isBinary) {
                    log('debug', `binary frame ignored on ${name}`);
                    return;
                }
                let msg: unknown;
                try {
                    msg = JSON.parse(String(data));
                } catch {
                    log('debug', `malformed JSON ignored on ${name}`);
                    return;
                }
                if (
                    !msg ||
                    typeof msg !== 'object' ||
                    Array.isArray(msg) ||
                    typeof (msg as { type?: unknown }).type !== 'string'
                ) {
                    channel.send({
                        type: 'on_error',
                        command: '',
                        message: 'Message must be a JSON object with a string type',
                    });
                    return;
                }
                dispatch(msg as Record<string, unknown>);
            } catch (e) {
                log('error', `message handling failed on ${name}`, e);
            }
        });
    }

    // ------------------------------------------------------------------ listen
    // werift makes one DTLS certificate per process: make it now, not during the first offer
    await RTCDtlsTransport.SetupCertificate().catch((e: unknown) => log('warn', 'certificate warm-up failed', e));
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const addr = server.address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : port;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const url = `http://${urlHost}:${actualPort}`;

    let closing: Promise<void> | undefined;
    return {
        url,
        host,
        port: actualPort,
        streams: () => registry.list(),
        faults: (cmd) => (faultsOn ? applyFaults(cmd) : {}),
        close: (options = {}) =>
            (closing ??= (async () => {
                if (options.abrupt) for (const ws of wss.clients) ws.terminate();
                for (const s of [...allSessions]) s.close();
                for (const ws of wss.clients) ws.terminate();
                wss.close();
                server.closeAllConnections?.();
                await new Promise<void>((r) => server.close(() => r()));
            })()),
    };
}

// ---------------------------------------------------------------------- CLI
const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
    startServer({ log: process.env.RTCWIRE_DEBUG === '1' ? 'debug' : 'info' })
        .then((s) => {
            console.log(`rtcwire reference server listening on ${s.url}/`);
            const stop = () => s.close().then(() => process.exit(0));
            process.on('SIGINT', stop);
            process.on('SIGTERM', stop);
        })
        .catch((e: unknown) => {
            console.error('rtcwire server failed to start:', (e as Error).message);
            process.exit(1);
        });
}
