/**
 * The WebSocket side of the HTTP server: upgrades on `/webrtc/<stream>` become signaling sockets,
 * anything else is refused. Sockets are kept by stream name for the fault switch's `dropSockets`.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { requestToken } from '../auth.ts';
import { NO_SESSION_FAULTS, type FaultSwitch } from '../faults.ts';
import { streamFromPath } from '../streamName.ts';
import { SignalingSocket, type SocketContext } from './SignalingSocket.ts';

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
        if (!stream) {
            socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
            return;
        }
        socket.on('error', () => undefined);
        this.wss.handleUpgrade(req, socket, head, (ws) => {
            this.keep(stream, ws);
            const token = requestToken(url.searchParams, req.headers.authorization);
            const faults = this.faults?.forSession(stream, url.searchParams) ?? NO_SESSION_FAULTS;
            new SignalingSocket(this.ctx, ws, stream, url.searchParams, token, faults).start();
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
