import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { DataSocket } from '../../src/data/DataSocket';
import type { WebSocketConstructor } from '../../src/core/types';
import { delay, waitUntil } from '../helpers/wait';
import { silent } from '../fakes/platform';

/** MistServer's data WebSocket on 127.0.0.1: records what clients ask, sends what the test says. */
let wss: WebSocketServer;
const sockets: { ws: NodeWebSocket; path: string; asked: unknown[] }[] = [];
const opened: DataSocket[] = [];

beforeEach(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wss.on('connection', (ws, request) => {
        const entry = { ws, path: request.url ?? '', asked: [] as unknown[] };
        sockets.push(entry);
        ws.on('message', (data) => entry.asked.push(JSON.parse(String(data))));
    });
});

afterEach(async () => {
    for (const socket of opened.splice(0)) socket.close();
    sockets.splice(0);
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
});

function dataSocket(tracks: number[]) {
    const port = (wss.address() as AddressInfo).port;
    const socket = new DataSocket({ endPoint: `127.0.0.1:${port}`, streamName: 'live+cam' }, tracks, {
        WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
        logger: silent,
        reconnect: { initialDelayMs: 10, maxDelayMs: 20 },
    });
    opened.push(socket);
    const items: unknown[][] = [];
    socket.on('data', (...item) => items.push(item));
    return { socket, items };
}

describe('DataSocket', () => {
    it('opens <stream>.json, asks for its tracks, and emits their items in the media clock', async () => {
        const { socket, items } = dataSocket([3, 4]);
        await waitUntil(() => sockets[0]?.asked.length === 1, 'the tracks request');
        expect(socket.url).toBe(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/live%2Bcam.json`);
        expect(sockets[0]!.path).toBe('/live%2Bcam.json');
        expect(sockets[0]!.asked).toEqual([{ type: 'tracks', tracks: '3,4' }]);
        const ws = sockets[0]!.ws;
        ws.send(JSON.stringify({ data: { goal: 1 }, time: 61_000, track: 3 }));
        ws.send(JSON.stringify({ duration: 1500, time: 61_500, track: 4, data: 'Hi' }));
        ws.send(JSON.stringify({ data: 'not asked for', time: 61_600, track: 9 }));
        ws.send('garbage');
        ws.send(Buffer.from([1, 2, 3]));
        ws.send(JSON.stringify({ data: 'last', time: 62_000, track: 3 }));
        await waitUntil(() => items.length === 3, 'three items');
        expect(items).toEqual([
            [61_000, 3, { goal: 1 }, undefined],
            [61_500, 4, 'Hi', 1500],
            [62_000, 3, 'last', undefined],
        ]);
        expect(socket.open).toBe(true);
    });

    it('setTracks asks again on the open socket, and on the next one after a loss', async () => {
        const { socket } = dataSocket([3]);
        await waitUntil(() => sockets[0]?.asked.length === 1, 'the first request');
        socket.setTracks([5]);
        await waitUntil(() => sockets[0]!.asked.length === 2, 'the second request');
        expect(sockets[0]!.asked[1]).toEqual({ type: 'tracks', tracks: '5' });
        sockets[0]!.ws.terminate();
        await waitUntil(() => sockets[1]?.asked.length === 1, 'a new socket asking again');
        expect(sockets[1]!.asked[0]).toEqual({ type: 'tracks', tracks: '5' });
        expect(() => socket.setTracks([1.5])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    });

    it('close() closes the socket for good', async () => {
        const { socket } = dataSocket([1]);
        await waitUntil(() => sockets.length === 1, 'the socket');
        socket.close();
        await waitUntil(() => sockets[0]!.ws.readyState === NodeWebSocket.CLOSED, 'closed at the server');
        await delay(60);
        expect(sockets).toHaveLength(1);
        expect(socket.closed).toBe(true);
    });

    it('carries the access token as a query parameter (tokenParam), like the signaling', () => {
        const socket = new DataSocket({ endPoint: 'h:1', streamName: 's', accessToken: 'secret' }, [1], {
            WebSocket: NodeWebSocket as unknown as WebSocketConstructor,
            tokenParam: 'id',
            logger: silent,
        });
        // Closed at once: it never connects (it would a microtask later).
        socket.close();
        expect(socket.url).toBe('wss://h:1/s.json?id=secret');
    });

    it('bad arguments throw INVALID_ARGUMENT synchronously', () => {
        expect(() => new DataSocket({ endPoint: 'ws://h:1' }, [1])).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        expect(() => new DataSocket({ endPoint: 'h:1', streamName: 's' }, [-1])).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });
});
