// The reference server's metadata WebSocket (/json_<stream>.js) and data WebSocket (/<stream>.json).
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { RunningServer } from '../../demo/server/main.ts';
import type { StreamRegistry } from '../../demo/server/relay/StreamRegistry.ts';
import { DataSocket } from '../../demo/server/ws/DataSocket.ts';
import { connect, publishSdp, sendJson, startTestServer, testRegistry } from './helpers.ts';

/** A socket that records the JSON frames it receives. */
async function open(url: string) {
    const ws = new WebSocket(url);
    const frames: Record<string, unknown>[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as Record<string, unknown>));
    await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
    });
    return { ws, frames };
}

async function until(condition: () => boolean, what: string, ms = 3000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!condition()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
    }
}

describe('metadata WebSocket (/json_<stream>.js)', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startTestServer();
    });
    afterAll(() => server?.close());

    it('sends the document at once and pushes each change of state: offline → waiting for data → offline', async () => {
        const { ws, frames } = await open(`${server.url.replace('http', 'ws')}/json_live%2Bcam.js`);
        await until(() => frames.length === 1, 'the first document');
        expect(frames[0]).toEqual({ error: 'Stream is offline', on_error: 'Stream is offline' });
        // A publisher arrives (its media never flows in this test: waiting for data).
        const publisher = await connect(server, '/webrtc/live%2Bcam');
        sendJson(publisher, { type: 'offer_sdp', offer_sdp: publishSdp });
        await publisher.next('on_answer_sdp', 5000);
        await until(() => frames.length === 2, 'the waiting document');
        expect(frames[1]).toMatchObject({ error: 'Stream is waiting for data' });
        // Identical documents are not pushed again.
        await new Promise((r) => setTimeout(r, 700));
        expect(frames).toHaveLength(2);
        publisher.ws.close();
        await until(() => frames.length === 3, 'offline again');
        expect(frames[2]).toMatchObject({ error: 'Stream is offline' });
        // The same document as over HTTP.
        expect(await (await fetch(`${server.url}/json_live%2Bcam.js`)).json()).toEqual(frames[2]);
        ws.close();
    });

    it('a bad stream name is refused', async () => {
        await expect(open(`${server.url.replace('http', 'ws')}/json_%zz.js`)).rejects.toThrow(/404/);
    });
});

describe('data WebSocket (/<stream>.json) on a server with tokens', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startTestServer({ tokens: { cam: { play: 'viewer' } } });
    });
    afterAll(() => server?.close());

    it('needs the play token where one is required (the data is what a player gets); the metadata stays public', async () => {
        const base = server.url.replace('http', 'ws');
        await expect(open(`${base}/cam.json`)).rejects.toThrow(/401/);
        await expect(open(`${base}/cam.json?tkn=wrong`)).rejects.toThrow(/403/);
        const { ws } = await open(`${base}/cam.json?tkn=viewer`);
        ws.close();
        const metadata = await open(`${base}/json_cam.js`);
        metadata.ws.close();
    });
});

describe('data WebSocket (/<stream>.json)', () => {
    let wss: WebSocketServer;
    let registry: StreamRegistry;
    beforeAll(async () => {
        registry = testRegistry();
        wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        wss.on('connection', (ws) => new DataSocket(registry, ws, 'cam', () => undefined).start());
        await new Promise((resolve) => wss.once('listening', resolve));
    });
    afterEach(() => {
        for (const ws of wss.clients) ws.terminate();
    });
    afterAll(() => new Promise<void>((resolve) => wss.close(() => resolve())));

    it('delivers the stream’s items, all of them until `tracks` chooses; follows the stream by name', async () => {
        const { ws, frames } = await open(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/cam.json`);
        await until(() => registry.streams.get('cam')?.dataSinks.size === 1, 'the subscription');
        const stream = registry.get('cam');
        const [a, b] = [stream.addDataTrack(), stream.addDataTrack()];
        stream.publishData(a, { n: 1 });
        stream.publishData(b, 'x');
        await until(() => frames.length === 2, 'two items');
        expect(frames).toEqual([
            { data: { n: 1 }, time: 0, track: a.index },
            { data: 'x', time: 0, track: b.index },
        ]);
        ws.send(JSON.stringify({ type: 'tracks', tracks: String(b.index) }));
        ws.send('garbage');
        await new Promise((r) => setTimeout(r, 50));
        stream.publishData(a, 'dropped');
        stream.publishData(b, 'kept');
        await until(() => frames.length === 3, 'the chosen item');
        expect(frames[2]).toMatchObject({ data: 'kept', track: b.index });
        // Closing releases the stream nobody else uses.
        ws.close();
        await until(() => !registry.streams.has('cam'), 'the stream released');
    });
});
