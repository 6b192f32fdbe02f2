import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import { Emitter, type EventMap } from '../../src/core/Emitter';
import type { WebSocketConstructor } from '../../src/core/types';
import { Player } from '../../src/facades/Player';
import { Telemetry, type TelemetryBatch } from '../../src/stats/Telemetry';
import { delay, waitUntil } from '../helpers/wait';

interface Sample {
    n: number;
}
interface SourceEvents extends EventMap {
    stats: [stats: Sample];
}
/** A stats source the test drives. */
class Source extends Emitter<SourceEvents> {
    emitStats(n: number): void {
        this._emitNow('stats', { n });
    }
}

const closers: (() => unknown)[] = [];
afterEach(async () => {
    for (const close of closers.splice(0)) await close();
});

/** An HTTP collector on 127.0.0.1 answering `status()`; records the batches. */
async function collector(status: () => number = () => 204) {
    const batches: TelemetryBatch<Sample>[] = [];
    const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => {
            const code = status();
            if (code < 300) batches.push(JSON.parse(body) as TelemetryBatch<Sample>);
            res.writeHead(code).end();
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/qoe`, batches };
}

const quiet = { logLevel: 'silent' as const };

describe('Telemetry', () => {
    it('posts the samples in batches with the app fields, and nothing once closed', async () => {
        const { url, batches } = await collector();
        const source = new Source();
        const telemetry = new Telemetry(source, { url, intervalMs: 40, fields: () => ({ viewer: 'v1' }), ...quiet });
        closers.push(() => telemetry.close());
        source.emitStats(1);
        source.emitStats(2);
        await waitUntil(() => batches.length === 1, 'a batch');
        expect(batches[0]).toMatchObject({ viewer: 'v1', dropped: 0, samples: [{ n: 1 }, { n: 2 }] });
        expect(typeof batches[0]!.sentAt).toBe('number');
        source.emitStats(3);
        await waitUntil(() => batches.length === 2, 'a second batch');
        expect(batches[1]!.samples).toEqual([{ n: 3 }]);
        telemetry.close();
        expect(source.listenerCount('stats')).toBe(0);
        source.emitStats(4);
        await delay(120);
        expect(batches).toHaveLength(2);
    });

    it('keeps a failed batch for the next one, within the bound: the oldest are dropped and counted', async () => {
        let status = 503;
        const { url, batches } = await collector(() => status);
        const source = new Source();
        const telemetry = new Telemetry(source, { url, intervalMs: 1_000_000, maxQueue: 3, ...quiet });
        closers.push(() => telemetry.close());
        source.emitStats(1);
        source.emitStats(2);
        await telemetry.flush();
        expect(batches).toHaveLength(0);
        expect(telemetry.pending).toBe(2);
        source.emitStats(3);
        source.emitStats(4);
        status = 204;
        await telemetry.flush();
        expect(batches).toEqual([expect.objectContaining({ dropped: 1, samples: [{ n: 2 }, { n: 3 }, { n: 4 }] })]);
        expect(telemetry.pending).toBe(0);
    });

    it('sends one JSON message per batch over a WebSocket it opens, and closes it', async () => {
        const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
        await new Promise<void>((resolve) => wss.once('listening', resolve));
        closers.push(() => new Promise((resolve) => wss.close(resolve)));
        const received: TelemetryBatch<Sample>[] = [];
        let client: ServerSocket | undefined;
        wss.on('connection', (ws) => {
            client = ws;
            ws.on('message', (data) => received.push(JSON.parse(String(data)) as TelemetryBatch<Sample>));
        });
        const source = new Source();
        const { WebSocket } = await import('ws');
        const telemetry = new Telemetry(source, {
            url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/qoe`,
            intervalMs: 40,
            WebSocket: WebSocket as unknown as WebSocketConstructor,
            ...quiet,
        });
        source.emitStats(7);
        await waitUntil(() => received.length === 1, 'a message');
        expect(received[0]!.samples).toEqual([{ n: 7 }]);
        const closed = new Promise((resolve) => client!.once('close', resolve));
        telemetry.close();
        await closed;
    });

    it('takes a Player (or a Streamer) as its source, and refuses another URL scheme', () => {
        const player = new Player();
        const telemetry = new Telemetry(player, { url: 'https://qoe.example.com', ...quiet });
        expect(player.listenerCount('stats')).toBe(1);
        telemetry.close();
        expect(player.listenerCount('stats')).toBe(0);
        expect(() => new Telemetry(player, { url: 'ftp://x' })).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
    });
});
