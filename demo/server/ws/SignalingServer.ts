/**
 * The WebSocket side of the HTTP server: upgrades on `/webrtc/<stream>` become signaling sockets,
 * on `/json_<stream>.js` metadata sockets (the document pushed when it changes), on
 * `/<stream>.json` data sockets (the timed data); anything else is refused. Sockets are kept by
 * stream name for the fault switch's `dropSockets`.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestToken } from '../auth.ts';
import { NO_SESSION_FAULTS, type FaultSwitch } from '../faults.ts';
import { streamFromPath } from '../streamName.ts';
import { DataSocket } from './DataSocket.ts';
import { MetadataSocket } from './MetadataSocket.ts';
import { SignalingSocket, type SocketContext } from './SignalingSocket.ts';

/** The stream a metadata (`/json_<s>.js`) or data (`/<s>.json`) socket path names. */
function feedOf(pathname: string): { kind: 'metadata' | 'data'; stream: string } | undefined {
    const metadata = /^\/json_([^/]+)\.js$/.exec(pathname);
    const data = metadata ? undefined : /^\/([^/]+)\.json$/.exec(pathname);
    const encoded = metadata?.[1] ?? data?.[1];
    const stream = encoded === undefined ? undefined : streamFromPath(`/${encoded}`, '/');
    return stream === undefined ? undefined : { kind: metadata ? 'metadata' : 'data', stream };
}

/**
 * Largest frame accepted. An offer is validated to 64 KiB; its JSON escaping adds a little. The
 * `ws` library closes the socket (1009) on anything larger, before buffering it.
 */
const MAX_FRAME_BYTES = 256 * 1024;

export class SignalingServer {
    private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    private readonly byStream = new Map<string, Set<WebSocket>>();

    constructor(
        private readonly ctx: SocketContext,
        /** present only when the fault switch is enabled */
        private readonly faults?: FaultSwitch,
    ) {}

    attach(server: http.Server): void {
        server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) =>
            this.upgrade(req, socket, head),
        );
    }

    /** Terminates every socket of `stream` without a close frame; returns how many. */
    dropSockets(stream: string): number {
        const set = this.byStream.get(stream);
        for (const ws of set ?? []) ws.terminate();
        return set?.size ?? 0;
    }

    /** Terminates every socket (server shutdown). */
    terminateAll(): void {
        for (const ws of this.wss.clients) ws.terminate();
    }

    close(): void {
        this.terminateAll();
        this.wss.close();
    }

    private upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const stream = streamFromPath(url.pathname, '/webrtc/');
        const feed = stream ? undefined : feedOf(url.pathname);
        socket.on('error', () => undefined);
        if (feed) return this.upgradeFeed(req, socket, head, url, feed);
        if (!stream) {
            socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
            return;
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => {
            this.keep(stream, ws);
            const token = requestToken(url.searchParams, req.headers.authorization);
            const faults = this.faults?.forSession(stream, url.searchParams) ?? NO_SESSION_FAULTS;
            new SignalingSocket(this.ctx, ws, stream, url.searchParams, token, faults).start();
        });
    }

    /**
     * A metadata socket, public like `GET /json_<stream>.js` (as on MistServer), or a data socket,
     * which carries what a player of the stream gets: it needs the play token where one is required.
     */
    private upgradeFeed(
        req: http.IncomingMessage,
        socket: Duplex,
        head: Buffer,
        url: URL,
        feed: { kind: 'metadata' | 'data'; stream: string },
    ): void {
        const { registry, log, auth } = this.ctx;
        if (feed.kind === 'data') {
            const access = auth.check(feed.stream, 'play', requestToken(url.searchParams, req.headers.authorization));
            if (!access.ok) {
                const reason = access.status === 401 ? 'Unauthorized' : 'Forbidden';
                socket.end(`HTTP/1.1 ${access.status} ${reason}\r\n\r\n`);
                return;
            }
        }
        this.wss.handleUpgrade(req, socket, head, (ws) => {
            this.keep(feed.stream, ws);
            if (feed.kind === 'metadata') new MetadataSocket(registry, ws, feed.stream, log).start();
            else new DataSocket(registry, ws, feed.stream, log).start();
        });
    }

    private keep(stream: string, ws: WebSocket): void {
        let set = this.byStream.get(stream);
        if (!set) this.byStream.set(stream, (set = new Set()));
        set.add(ws);
        ws.on('close', () => {
            set.delete(ws);
            if (!set.size && this.byStream.get(stream) === set) this.byStream.delete(stream);
        });
    }
}
