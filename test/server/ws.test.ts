// WebSocket signaling of the reference server: robustness, errors, idle sockets, the fault switch.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../../demo/server/main.ts';
import { connect, playSdp, publishSdp, sendJson, startTestServer } from './helpers.ts';

describe('websocket signaling', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startTestServer({ faults: true });
    });
    afterAll(() => server?.close());

    it('survives malformed input and reports unknown commands', async () => {
        const c = await connect(server, '/webrtc/robust');
        c.ws.send('not json');
        c.ws.send(Buffer.from([1, 2, 3]));
        c.ws.send('[]');
        c.ws.send('null');
        sendJson(c, { type: 42 });
        sendJson(c, { type: 'offer_sdp', offer_sdp: 12 });
        sendJson(c, { type: 'rtp_props' });
        expect((await c.next('on_rtp_props')).result).toBe(true);
        sendJson(c, { type: 'frobnicate' });
        await vi.waitFor(() =>
            expect(c.msgs.filter((m) => m.type === 'on_error').map((m) => m.message)).toEqual([
                'Message must be a JSON object with a string type', // []
                'Message must be a JSON object with a string type', // null
                'Message must be a JSON object with a string type', // type 42
                'offer_sdp must be a string',
                'Unknown command: frobnicate',
            ]),
        );
        sendJson(c, { type: 'offer_sdp', offer_sdp: 'v=0 garbage' });
        await c.closed;
        expect(c.msgs.at(-1)).toEqual({
            type: 'on_error',
            command: 'offer_sdp',
            message: 'Invalid offer: not an SDP offer',
        });
        expect((await fetch(server.url + '/streams')).status).toBe(200);
    });

    it('an offer without ICE credentials: on_error with a clear text, then close', async () => {
        const c = await connect(server, '/webrtc/noice');
        const offer = publishSdp.replace(/^a=ice-(ufrag|pwd):.*\r\n/gm, '');
        sendJson(c, { type: 'offer_sdp', offer_sdp: offer });
        expect(await c.closed).toBe(1000);
        expect(c.msgs).toEqual([
            {
                type: 'on_error',
                command: 'offer_sdp',
                message: 'Invalid offer: media section mid=0 has no ICE credentials (a=ice-ufrag, a=ice-pwd)',
            },
        ]);
    });

    it('closes an oversized frame without affecting others', async () => {
        const big = await connect(server, '/webrtc/big');
        const other = await connect(server, '/webrtc/other');
        big.ws.send('x'.repeat(1 << 20));
        expect(await big.closed).toBe(1009);
        sendJson(other, { type: 'rtp_props', nack: 5 });
        expect((await other.next('on_rtp_props')).nack).toBe(5);
        other.ws.close();
    });

    it('play without a publisher: on_error after the wait, then close', async () => {
        const c = await connect(server, '/webrtc/nobody');
        sendJson(c, { type: 'offer_sdp', offer_sdp: playSdp });
        const err = await c.next('on_error', 3000);
        expect(err).toMatchObject({ command: 'offer_sdp', message: 'Stream open failed' });
        await c.closed;
    });

    it('rejects sockets on other paths', async () => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + '/elsewhere/x');
        await expect(
            new Promise((resolve, reject) => {
                ws.on('open', resolve);
                ws.on('error', reject);
            }),
        ).rejects.toThrow(/404/);
    });

    it('fault_refuse and fault_malformed', async () => {
        const c = await connect(server, '/webrtc/f1?fault_refuse=1&fault_malformed=1');
        sendJson(c, { type: 'offer_sdp', offer_sdp: publishSdp });
        const a = await c.next('on_answer_sdp');
        expect(a.result).toBe(false);
        expect(c.raw.some((r) => Buffer.isBuffer(r))).toBe(true);
        expect(c.raw.some((r) => typeof r === 'string' && r.length >= 1 << 20)).toBe(true);
        expect(c.raw.some((r) => typeof r === 'string' && !r.startsWith('{'))).toBe(true);
        c.ws.close();
    });

    it('fault_answer_delay delays the answer', async () => {
        const c = await connect(server, '/webrtc/f2?fault_answer_delay=300&fault_refuse=1');
        const t0 = Date.now();
        sendJson(c, { type: 'offer_sdp', offer_sdp: publishSdp });
        await c.next('on_answer_sdp');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
        c.ws.close();
    });

    it('fault_drop_socket_after terminates without a close frame', async () => {
        const c = await connect(server, '/webrtc/f3?fault_drop_socket_after=100');
        expect(await c.closed).toBe(1006);
    });

    it('POST /_faults dropSockets drops every socket of a stream', async () => {
        const a = await connect(server, '/webrtc/f4');
        const b = await connect(server, '/webrtc/f4');
        const keep = await connect(server, '/webrtc/f5');
        const r = await fetch(server.url + '/_faults', {
            method: 'POST',
            body: JSON.stringify({ dropSockets: 'f4' }),
        });
        expect(await r.json()).toEqual({ dropped: 2 });
        expect(await a.closed).toBe(1006);
        expect(await b.closed).toBe(1006);
        expect(keep.ws.readyState).toBe(WebSocket.OPEN);
        keep.ws.close();
    });

    it('ignores faults when they are not enabled', async () => {
        const plain = await startTestServer();
        try {
            const c = await connect(plain, '/webrtc/x?fault_drop_socket_after=50');
            await new Promise((r) => setTimeout(r, 200));
            expect(c.ws.readyState).toBe(WebSocket.OPEN);
            c.ws.close();
        } finally {
            await plain.close();
        }
    });
});

describe('websocket signaling: sockets that send no offer', () => {
    it('are told and closed after offerTimeoutMs; sockets with a session are not', async () => {
        const server = await startTestServer({ offerTimeoutMs: 200, playWaitMs: 1000 });
        try {
            const idle = await connect(server, '/webrtc/idle');
            const waiting = await connect(server, '/webrtc/waiting');
            sendJson(waiting, { type: 'offer_sdp', offer_sdp: playSdp }); // waits up to 1 s for a publisher
            const t0 = Date.now();
            expect(await idle.closed).toBe(1000);
            expect(Date.now() - t0).toBeLessThan(600);
            expect(idle.msgs).toEqual([{ type: 'on_error', command: 'offer_sdp', message: 'No offer within 0.2 s' }]);
            expect(waiting.ws.readyState).toBe(WebSocket.OPEN);
            expect(await waiting.next('on_error', 2000)).toMatchObject({ message: 'Stream open failed' });
        } finally {
            await server.close();
        }
    });
});

describe('websocket signaling: closing while waiting', () => {
    it('a play offer waiting for its publisher is dropped when the socket closes', async () => {
        const server = await startTestServer({ playWaitMs: 5000 });
        try {
            const c = await connect(server, '/webrtc/waiting');
            sendJson(c, { type: 'offer_sdp', offer_sdp: playSdp });
            await new Promise((r) => setTimeout(r, 100));
            expect(server.streams()).toMatchObject([{ name: 'waiting', players: 1, publisher: false }]);
            c.ws.close();
            await new Promise((r) => setTimeout(r, 100));
            expect(server.streams()).toEqual([]);
        } finally {
            await server.close();
        }
    });
});
