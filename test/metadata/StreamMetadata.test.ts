import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { Metadata } from '../../src/metadata/Metadata';
import { StreamMetadata, metadataUrl, type StreamMetadataOptions } from '../../src/metadata/StreamMetadata';
import type { StreamState } from '../../src/metadata/streamState';
import type { WebSocketConstructor } from '../../src/core/types';
import { MIST_LIVE, MIST_OFFLINE } from '../fixtures/metadata';
import { delay, waitUntil } from '../helpers/wait';
import { silent } from '../fakes/platform';

/**
 * A MistServer-like metadata server on 127.0.0.1: `GET /json_<s>.js` answers `document`, and a
 * WebSocket upgrade on the same path (unless `webSocket` is false) gets it pushed.
 */
class MetadataServer {
    document: object = MIST_LIVE;
    webSocket = true;
    status = 200;
    /** Whether every connection is cut at once (a server that cannot be reached), keeping the port. */
    down = false;
    readonly gets: string[] = [];
    readonly sockets: NodeWebSocket[] = [];
    readonly upgrades: string[] = [];
    private readonly wss = new WebSocketServer({ noServer: true });
    private readonly server = http.createServer((req, res) => {
        this.gets.push(req.url ?? '');
        res.writeHead(this.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(this.document));
    });

    private constructor() {
        this.server.on('connection', (socket) => {
            if (this.down) socket.destroy();
        });
        this.server.on('upgrade', (req, socket, head) => {
            this.upgrades.push(req.url ?? '');
            if (!this.webSocket) return void socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
            this.wss.handleUpgrade(req, socket, head, (ws) => {
                this.sockets.push(ws);
                ws.send(JSON.stringify(this.document));
            });
        });
    }

    static async start(): Promise<MetadataServer> {
        const server = new MetadataServer();
        await new Promise<void>((resolve) => server.server.listen(0, '127.0.0.1', resolve));
        return server;
    }

    get port(): number {
        return (this.server.address() as AddressInfo).port;
    }

    get open(): NodeWebSocket[] {
        return this.sockets.filter((ws) => ws.readyState === ws.OPEN);
    }

    /** Pushes `document` to every open socket. */
    push(document: object | string): void {
        this.document = typeof document === 'string' ? this.document : document;
        for (const ws of this.open) ws.send(typeof document === 'string' ? document : JSON.stringify(document));
    }

    async close(): Promise<void> {
        for (const ws of this.wss.clients) ws.terminate();
        this.server.closeAllConnections();
        await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
}

let server: MetadataServer;
const followers: StreamMetadata[] = [];

function follow(options: StreamMetadataOptions = {}) {
    const stream = new StreamMetadata(
        { endPoint: `127.0.0.1:${server.port}`, streamName: 'live+cam' },
        {
            WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
            logger: silent,
            pollIntervalMs: 50,
            reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
            ...options,
        },
    );
    followers.push(stream);
    const documents: Metadata[] = [];
    const states: [StreamState, string | undefined][] = [];
    stream.on('metadata', (m) => documents.push(m));
    stream.on('state', (s, reason) => states.push([s, reason]));
    return { stream, documents, states };
}

afterEach(async () => {
    for (const stream of followers.splice(0)) stream.close();
    await server?.close();
});

describe('metadataUrl', () => {
    it('names json_<stream>.js on the signaling host, keeping a path prefix, without the query', () => {
        expect(metadataUrl({ endPoint: 'wss://media.example.com/webrtc/in+cam?tkn=secret' })).toBe(
            'https://media.example.com/json_in%2Bcam.js',
        );
        expect(metadataUrl({ endPoint: '127.0.0.1:8080', streamName: 'a b' })).toBe(
            'http://127.0.0.1:8080/json_a%20b.js',
        );
        expect(metadataUrl({ endPoint: 'https://h/app/whep/cam' })).toBe('https://h/app/json_cam.js');
        expect(() => metadataUrl({ endPoint: 'ws://h:1' })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });
});

describe('StreamMetadata over the WebSocket', () => {
    it('follows the pushed documents: metadata for each, state online → offline → online', async () => {
        server = await MetadataServer.start();
        const { stream, documents, states } = follow();
        await waitUntil(() => documents.length === 1, 'the first document');
        expect(server.upgrades).toEqual(['/json_live%2Bcam.js']);
        expect(stream.transport).toBe('websocket');
        expect(stream.metadata?.videos.map((v) => v.index)).toEqual([5, 4, 1]);
        server.push(MIST_OFFLINE);
        await waitUntil(() => states.length === 2, 'offline');
        server.push(MIST_LIVE);
        await waitUntil(() => states.length === 3, 'online again');
        expect(states).toEqual([
            ['online', undefined],
            ['offline', 'Stream is offline'],
            ['online', undefined],
        ]);
        expect(documents).toHaveLength(2);
        // The last description is kept while offline; no HTTP request was needed.
        expect(server.gets).toEqual([]);
    });

    it('bad frames are ignored: the follower carries on', async () => {
        server = await MetadataServer.start();
        const { documents, states } = follow();
        await waitUntil(() => documents.length === 1, 'the first document');
        server.push('not json');
        server.push('x'.repeat(2 ** 20 + 1));
        server.push('[1,2,3]');
        server.push({ meta: { tracks: { a: { idx: 9, type: 'video', codec: 'VP8', width: 320, height: 180 } } } });
        await waitUntil(() => documents.length === 2, 'the next good document');
        expect(documents[1]!.renditions.map((r) => r.track)).toEqual([9]);
        expect(states).toEqual([['online', undefined]]);
    });

    it('a lost WebSocket reconnects by itself', async () => {
        server = await MetadataServer.start();
        const { documents, states } = follow();
        await waitUntil(() => documents.length === 1, 'the first document');
        server.open[0]!.terminate();
        await waitUntil(() => server.sockets.length === 2 && server.open.length === 1, 'a new socket');
        server.push(MIST_OFFLINE);
        await waitUntil(() => states.length === 2, 'the pushed state on the new socket');
        expect(states.at(-1)![0]).toBe('offline');
    });

    it('close() closes the socket and stops for good', async () => {
        server = await MetadataServer.start();
        const { stream, documents } = follow();
        await waitUntil(() => documents.length === 1, 'the first document');
        stream.close();
        stream.close();
        await waitUntil(() => server.open.length === 0, 'the socket closed at the server');
        await delay(150);
        expect(server.sockets).toHaveLength(1);
        expect(stream.transport).toBeUndefined();
        expect(stream.closed).toBe(true);
    });
});

describe('StreamMetadata over HTTP (the WebSocket refused)', () => {
    it('polls the document and emits only the ones that changed', async () => {
        server = await MetadataServer.start();
        server.webSocket = false;
        const { stream, documents, states } = follow();
        await waitUntil(() => documents.length === 1, 'the first document');
        expect(stream.transport).toBe('http');
        await waitUntil(() => server.gets.length >= 4, 'more polls');
        expect(documents).toHaveLength(1); // the same document, polled again
        server.document = MIST_OFFLINE;
        await waitUntil(() => states.length === 2, 'offline');
        server.document = MIST_LIVE;
        await waitUntil(() => documents.length === 2, 'online again, a new document');
        expect(states.map(([s]) => s)).toEqual(['online', 'offline', 'online']);
        // Polling, the WebSocket asked for again every 10 polls only.
        expect(server.upgrades.length).toBeLessThanOrEqual(1 + server.gets.length / 10);
        stream.close();
        const polls = server.gets.length;
        await delay(150);
        expect(server.gets.length).toBeLessThanOrEqual(polls + 1);
    });

    it('a polled server that gains its WebSocket is followed over it, within 10 polls', async () => {
        server = await MetadataServer.start();
        server.webSocket = false;
        const { stream, documents } = follow();
        await waitUntil(() => stream.transport === 'http', 'polling');
        server.webSocket = true;
        await waitUntil(() => stream.transport === 'websocket', 'the WebSocket', 3000);
        const polls = server.gets.length;
        await delay(200);
        expect(server.gets.length).toBe(polls);
        expect(documents).toHaveLength(1);
    });

    it('a server without stream metadata (404) is error, and not asked again', async () => {
        server = await MetadataServer.start();
        server.webSocket = false;
        server.status = 404;
        const { stream, states, documents } = follow();
        await waitUntil(() => states.length === 1, 'the error state');
        expect(states[0]![0]).toBe('error');
        expect(states[0]![1]).toMatch(/HTTP 404, the server has no stream metadata/);
        await delay(200);
        expect(server.gets).toHaveLength(1);
        expect(server.upgrades).toHaveLength(1);
        expect(documents).toEqual([]);
        expect(stream.closed).toBe(false);
    });

    it('a server that cannot be reached is error, tried again, and followed once it is back', async () => {
        // Every connection cut: neither the WebSocket nor HTTP gets an answer.
        server = await MetadataServer.start();
        server.down = true;
        const { stream, states, documents } = follow();
        await waitUntil(() => states.some(([s]) => s === 'error'), 'the error state');
        expect(stream.transport).toBeUndefined();
        server.down = false;
        await waitUntil(() => documents.length === 1, 'the document once the server is back');
        // Back on the WebSocket (at once, or after a few polls when the server came back between
        // the WebSocket's refusal and the HTTP request): an unreachable server is no sign that it
        // has none.
        await waitUntil(() => stream.transport === 'websocket', 'the WebSocket');
        expect(states.map(([s]) => s)).toEqual(['error', 'online']);
    });
});
