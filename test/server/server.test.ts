// Unit tests of the reference server's non-WebRTC parts: SDP handling, payload parsing, HTTP routes,
// static files, signaling robustness and the fault switch. No peer connection is ever opened here
// (real WebRTC is covered by demo/server/dev/smoke.mjs inside a loopback-only network namespace).
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { av1Keyframe, h264Keyframe, parseSps, vp8Keyframe, vp9Keyframe } from '../../demo/server/codecs.ts';
import { startServer, type RunningServer } from '../../demo/server/main.ts';
import {
    analyzeOffer,
    fixAnswer,
    mungeOffer,
    parseFmtp,
    pickPlayCodec,
    pickPublishCodec,
} from '../../demo/server/sdp.ts';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const publishSdp = fixture('chromium-publish.sdp');
const simulcastSdp = fixture('chromium-simulcast.sdp');
const playSdp = fixture('chromium-play.sdp');

describe('sdp', () => {
    it('tells publish from play and reads codecs and rids', () => {
        const pub = analyzeOffer(publishSdp);
        expect(pub.role).toBe('publish');
        expect(pub.media.map((m) => m.kind)).toEqual(['audio', 'video']);
        expect(pickPublishCodec(pub.media[0]!)?.name).toBe('opus');
        expect(pickPublishCodec(pub.media[1]!)?.name).toBe('VP8');
        expect(analyzeOffer(simulcastSdp).media[1]!.rids).toEqual(['q', 'h', 'f']);
        expect(analyzeOffer(playSdp).role).toBe('play');
        expect(() => analyzeOffer('hello')).toThrow();
        expect(() => analyzeOffer('v=0\r\n')).toThrow();
    });

    it('picks the player payload type matching the publisher codec (H264 packetization-mode=1)', () => {
        const play = analyzeOffer(playSdp).media[1]!;
        const h264 = play.codecs.find(
            (c) =>
                c.name === 'H264' &&
                parseFmtp(c.fmtp)['packetization-mode'] === '1' &&
                parseFmtp(c.fmtp)['profile-level-id'] === '42e01f',
        )!;
        const picked = pickPlayCodec(play, { ...h264, pt: 999 })!;
        expect(picked.pt).toBe(h264.pt);
        const vp8 = pickPlayCodec(play, { pt: 1, name: 'VP8', clockRate: 90000, fmtp: '' })!;
        expect(vp8.name).toBe('VP8');
    });

    it('munges an offer down to one codec, remb feedback and the kept extensions', () => {
        const info = analyzeOffer(simulcastSdp);
        const a = pickPublishCodec(info.media[0]!)!;
        const v = pickPublishCodec(info.media[1]!)!;
        const out = mungeOffer(
            simulcastSdp,
            new Map([
                [0, a.pt],
                [1, v.pt],
            ]),
            ['urn:ietf:params:rtp-hdrext:sdes:mid', 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id'],
        );
        const sections = out.split(/^m=/m).slice(1);
        expect(sections[0]!.match(/^a=rtpmap/gm)).toHaveLength(1);
        expect(sections[1]!.match(/^a=rtpmap/gm)).toHaveLength(1);
        expect(out).not.toMatch(/transport-cc/);
        expect(out).toMatch(/goog-remb/);
        expect(out).not.toMatch(/abs-send-time/);
        expect(out).toMatch(/a=simulcast:send q;h;f/);
        expect(analyzeOffer(out).media[1]!.rids).toEqual(['q', 'h', 'f']);
        const rejected = mungeOffer(publishSdp, new Map([[1, v.pt]]), []);
        expect(rejected).toMatch(/^m=audio 0 /m);
    });

    it('fixes an answer: ice-lite, passive, loopback UDP candidates only', () => {
        const answer = [
            'v=0',
            'o=- 1 1 IN IP4 0.0.0.0',
            's=-',
            't=0 0',
            'a=group:BUNDLE 0',
            'm=video 9 UDP/TLS/RTP/SAVPF 96',
            'c=IN IP4 0.0.0.0',
            'a=mid:0',
            'a=setup:active',
            'a=rtpmap:96 VP8/90000',
            'a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host',
            'a=candidate:2 1 udp 2130706431 192.168.1.20 5001 typ host',
            'a=candidate:3 1 tcp 2130706431 127.0.0.1 5002 typ host tcptype passive',
            '',
        ].join('\r\n');
        const fixed = fixAnswer(answer);
        expect(fixed).toMatch(/^a=ice-lite/m);
        expect(fixed).toMatch(/^a=setup:passive/m);
        expect(fixed).toMatch(/127\.0\.0\.1 5000/);
        expect(fixed).not.toMatch(/192\.168/);
        expect(fixed).not.toMatch(/ tcp /);
        expect(fixed).toMatch(/^a=end-of-candidates/m);
        // Not a publisher's answer (no recvonly video): no start-bitrate hint.
        expect(fixed).not.toMatch(/x-google-start-bitrate/);
    });

    it('gives publishers a video start bitrate (Chrome sizes its first frames from it)', () => {
        const answer = (extra: string[]) =>
            [
                'v=0',
                'o=- 1 1 IN IP4 0.0.0.0',
                's=-',
                't=0 0',
                'm=video 9 UDP/TLS/RTP/SAVPF 96',
                'a=mid:0',
                'a=recvonly',
                'a=rtpmap:96 VP8/90000',
                ...extra,
                '',
            ].join('\r\n');
        expect(fixAnswer(answer([]))).toMatch(/^a=fmtp:96 x-google-start-bitrate=1500$/m);
        const h264 = fixAnswer(answer(['a=fmtp:96 packetization-mode=1;profile-level-id=42e01f']));
        expect(h264).toMatch(/^a=fmtp:96 packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1500$/m);
        expect(fixAnswer(h264).match(/x-google-start-bitrate/g)).toHaveLength(1);
    });
});

describe('codecs', () => {
    it('finds VP8 keyframes and their size', () => {
        const key = Buffer.from([0x90, 0x80, 0x05, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(key)).toEqual({ width: 640, height: 480 });
        const delta = Buffer.from([0x90, 0x80, 0x05, 0x01, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(delta)).toBeUndefined();
        const middle = Buffer.from([0x80, 0x80, 0x05, 0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        expect(vp8Keyframe(middle)).toBeUndefined();
        expect(vp8Keyframe(Buffer.alloc(0))).toBeUndefined();
    });

    it('finds H264 keyframes and reads the SPS size', () => {
        // SPS sent by Chromium's OpenH264 encoder for its fake camera at 640x360 (cropped from 368)
        const sps = Buffer.from('6742c01f8c8d405017fcb35060606078442350', 'hex');
        expect(parseSps(sps)).toEqual({ width: 640, height: 360 });
        expect(h264Keyframe(sps)).toEqual({ width: 640, height: 360 });
        const stapA = Buffer.concat([
            Buffer.from([0x78, 0x00, sps.length]),
            sps,
            Buffer.from([0x00, 0x02, 0x68, 0xce]),
        ]);
        expect(h264Keyframe(stapA)).toEqual({ width: 640, height: 360 });
        expect(h264Keyframe(Buffer.from([0x7c, 0x85, 0x00]))).toEqual({}); // FU-A start of IDR
        expect(h264Keyframe(Buffer.from([0x7c, 0x05, 0x00]))).toBeUndefined(); // FU-A middle
        expect(h264Keyframe(Buffer.from([0x41, 0x9a]))).toBeUndefined(); // non-IDR slice
        expect(h264Keyframe(Buffer.from([0x67]))).toBeUndefined();
    });
});

describe('codecs (VP9, AV1)', () => {
    it('finds VP9 keyframes and reads the scalability structure size', () => {
        // I (15-bit picture id), B, V; SS with one spatial layer and Y: 640x360
        const key = Buffer.from([0x8a, 0x80, 0x01, 0x10, 0x02, 0x80, 0x01, 0x68, 0x00]);
        expect(vp9Keyframe(key)).toEqual({ width: 640, height: 360 });
        expect(vp9Keyframe(Buffer.from([0xca, 0x80, 0x01]))).toBeUndefined(); // P set: inter frame
        expect(vp9Keyframe(Buffer.from([0x84, 0x80, 0x01]))).toBeUndefined(); // not a frame start
    });

    it('finds AV1 coded video sequence starts', () => {
        expect(av1Keyframe(Buffer.from([0x18, 0x0a]))).toEqual({});
        expect(av1Keyframe(Buffer.from([0x10, 0x0a]))).toBeUndefined();
        expect(av1Keyframe(Buffer.from([0x98, 0x0a]))).toBeUndefined(); // Z: continuation
    });
});

describe('http server', () => {
    let server: RunningServer;
    let root: string;
    beforeAll(async () => {
        root = mkdtempSync(path.join(tmpdir(), 'rtcwire-srv-'));
        mkdirSync(path.join(root, 'repo', 'demo', 'server'), { recursive: true });
        mkdirSync(path.join(root, 'repo', 'dist'), { recursive: true });
        writeFileSync(path.join(root, 'repo', 'demo', 'index.html'), '<!doctype html><title>demo</title>');
        writeFileSync(path.join(root, 'repo', 'demo', 'app.css'), 'body{}');
        writeFileSync(path.join(root, 'repo', 'demo', 'server', 'main.ts'), 'secret source');
        writeFileSync(path.join(root, 'repo', 'dist', 'rtcwire.js'), 'export {}');
        writeFileSync(path.join(root, 'repo', 'package.json'), '{}');
        writeFileSync(path.join(root, 'secret.txt'), 'secret');
        server = await startServer({
            port: 0,
            root: path.join(root, 'repo'),
            log: false,
            faults: true,
            playWaitMs: 300,
            processGuards: false,
        });
    });
    afterAll(() => server?.close());

    const get = (p: string, init?: RequestInit) => fetch(server.url + p, init);

    it('binds to loopback on a free port', () => {
        expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(server.port).toBeGreaterThan(0);
    });

    it('serves static files with the right content type', async () => {
        const index = await get('/');
        expect(index.status).toBe(200);
        expect(index.headers.get('content-type')).toMatch(/text\/html/);
        expect(await index.text()).toContain('<title>demo</title>');
        expect((await get('/demo/app.css')).headers.get('content-type')).toMatch(/text\/css/);
        const js = await get('/dist/rtcwire.js');
        expect(js.headers.get('content-type')).toMatch(/text\/javascript/);
        expect((await get('/dist/nope.js')).status).toBe(404);
    });

    it('refuses directory traversal and the server sources', async () => {
        for (const p of [
            '/demo/../package.json',
            '/demo/%2e%2e/package.json',
            '/dist/..%2f..%2fsecret.txt',
            '/dist/%2e%2e%2f%2e%2e%2fsecret.txt',
            '/demo/server/main.ts',
            '/demo/%00',
            '/demo/%zz',
            '/demo/',
        ]) {
            const r = await get(p);
            expect([400, 404], p).toContain(r.status);
            expect(await r.text()).not.toMatch(/secret|^\{\}$/);
        }
    });

    it('answers CORS preflight and exposes Location', async () => {
        const r = await get('/whip/cam', { method: 'OPTIONS' });
        expect(r.status).toBe(204);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(r.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
        expect(r.headers.get('access-control-expose-headers')).toMatch(/Location/);
    });

    it('lists streams as JSON', async () => {
        const r = await get('/streams');
        expect(r.headers.get('content-type')).toMatch(/application\/json/);
        expect(await r.json()).toEqual([]);
    });

    it('rejects bad WHIP/WHEP requests cleanly', async () => {
        const post = (p: string, body: string) =>
            get(p, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body });
        expect((await post('/whip/cam', 'garbage')).status).toBe(400);
        expect((await post('/whip/cam', playSdp)).status).toBe(400); // recvonly offer on WHIP
        expect((await post('/whep/cam', publishSdp)).status).toBe(400); // sendonly offer on WHEP
        const t0 = Date.now();
        expect((await post('/whep/nobody', playSdp)).status).toBe(404); // after the wait
        expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
        expect((await post('/whip/cam?fault_refuse=1', publishSdp)).status).toBe(403);
        expect((await get('/whip/cam/nope', { method: 'DELETE' })).status).toBe(404);
        // A resource that ended (its peer never connected here) can still be DELETEd: teardown is idempotent.
        const created = await post('/whip/idem', publishSdp);
        expect(created.status).toBe(201);
        const location = created.headers.get('location')!;
        expect((await get(location, { method: 'DELETE' })).status).toBe(200);
        expect((await get(location, { method: 'DELETE' })).status).toBe(200);
        expect((await get('/whip/', { method: 'POST', body: 'x' })).status).toBe(404);
    });

    it('serves MistServer-style stream info (json_<stream>.js), offline when nobody publishes', async () => {
        const r = await get('/json_nobody%2Bhere.js');
        expect(r.status).toBe(200);
        expect(r.headers.get('access-control-allow-origin')).toBe('*');
        expect(await r.json()).toMatchObject({ error: 'Stream is offline' });
        expect((await get('/json_%zz.js')).status).toBe(400);
    });

    it('controls faults at runtime', async () => {
        const r = await get('/_faults', { method: 'POST', body: JSON.stringify({ stream: 'cam', loss: 20 }) });
        expect(await r.json()).toEqual({ loss: 20 });
        expect(server.faults({ stream: 'cam', ingestLoss: 150 })).toEqual({ ingestLoss: 100 });
        expect(server.faults({ stream: 'cam', ingestLoss: 0 })).toEqual({ ingestLoss: 0 });
        expect((await get('/_faults', { method: 'POST', body: '{bad' })).status).toBe(400);
        expect(server.faults({ stream: 'cam', loss: 0 })).toEqual({ loss: 0 });
    });

    it('has no fault endpoint unless enabled', async () => {
        const plain = await startServer({ port: 0, log: false, processGuards: false });
        try {
            expect((await fetch(plain.url + '/_faults', { method: 'POST', body: '{}' })).status).toBe(404);
        } finally {
            await plain.close();
        }
    });
});

describe('websocket signaling', () => {
    let server: RunningServer;
    beforeAll(async () => {
        server = await startServer({ port: 0, log: false, faults: true, playWaitMs: 300, processGuards: false });
    });
    afterAll(() => server?.close());

    type Client = {
        ws: WebSocket;
        msgs: Array<Record<string, unknown>>;
        raw: Array<string | Buffer>;
        next: (type: string, ms?: number) => Promise<Record<string, unknown>>;
        closed: Promise<number>;
    };
    const connect = async (p: string): Promise<Client> => {
        const ws = new WebSocket(server.url.replace('http', 'ws') + p);
        const msgs: Array<Record<string, unknown>> = [];
        const raw: Array<string | Buffer> = [];
        const waiters: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
        ws.on('message', (data, isBinary) => {
            raw.push(isBinary ? (data as Buffer) : String(data));
            if (isBinary) return;
            try {
                const m = JSON.parse(String(data));
                msgs.push(m);
                for (const w of waiters.splice(0)) {
                    if (w.type === m.type) w.resolve(m);
                    else waiters.push(w);
                }
            } catch {
                /* malformed frames are part of some tests */
            }
        });
        const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
        await new Promise((r, j) => {
            ws.once('open', r);
            ws.once('error', j);
        });
        return {
            ws,
            msgs,
            raw,
            closed,
            next: (type, ms = 3000) =>
                new Promise((resolve, reject) => {
                    const seen = msgs.find((m) => m.type === type);
                    if (seen) return resolve(seen);
                    waiters.push({ type, resolve });
                    setTimeout(() => reject(new Error(`timeout waiting for ${type}`)), ms);
                }),
        };
    };

    it('survives malformed input and reports unknown commands', async () => {
        const c = await connect('/webrtc/robust');
        c.ws.send('not json');
        c.ws.send(Buffer.from([1, 2, 3]));
        c.ws.send('[]');
        c.ws.send('null');
        c.ws.send(JSON.stringify({ type: 42 }));
        c.ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: 12 }));
        c.ws.send(JSON.stringify({ type: 'rtp_props' }));
        expect((await c.next('on_rtp_props')).result).toBe(true);
        c.ws.send(JSON.stringify({ type: 'frobnicate' }));
        expect((await c.next('on_error')).command).toBeDefined();
        c.ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: 'v=0 garbage' }));
        await c.closed;
        expect(c.msgs.some((m) => m.type === 'on_error' && m.command === 'offer_sdp')).toBe(true);
        expect((await fetch(server.url + '/streams')).status).toBe(200);
    });

    it('closes an oversized frame without affecting others', async () => {
        const big = await connect('/webrtc/big');
        const other = await connect('/webrtc/other');
        big.ws.send('x'.repeat(3 << 20));
        expect(await big.closed).toBe(1009);
        other.ws.send(JSON.stringify({ type: 'rtp_props', nack: 5 }));
        expect((await other.next('on_rtp_props')).nack).toBe(5);
        other.ws.close();
    });

    it('play without a publisher: on_error after the wait, then close', async () => {
        const c = await connect('/webrtc/nobody');
        c.ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: playSdp }));
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
        ).rejects.toThrow();
    });

    it('fault_refuse and fault_malformed', async () => {
        const c = await connect('/webrtc/f1?fault_refuse=1&fault_malformed=1');
        c.ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: publishSdp }));
        const a = await c.next('on_answer_sdp');
        expect(a.result).toBe(false);
        expect(c.raw.some((r) => Buffer.isBuffer(r))).toBe(true);
        expect(c.raw.some((r) => typeof r === 'string' && r.length >= 1 << 20)).toBe(true);
        expect(c.raw.some((r) => typeof r === 'string' && !r.startsWith('{'))).toBe(true);
        c.ws.close();
    });

    it('fault_answer_delay delays the answer', async () => {
        const c = await connect('/webrtc/f2?fault_answer_delay=300&fault_refuse=1');
        const t0 = Date.now();
        c.ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: publishSdp }));
        await c.next('on_answer_sdp');
        expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
        c.ws.close();
    });

    it('fault_drop_socket_after terminates without a close frame', async () => {
        const c = await connect('/webrtc/f3?fault_drop_socket_after=100');
        expect(await c.closed).toBe(1006);
    });

    it('POST /_faults dropSockets drops every socket of a stream', async () => {
        const a = await connect('/webrtc/f4');
        const b = await connect('/webrtc/f4');
        const keep = await connect('/webrtc/f5');
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
        const plain = await startServer({ port: 0, log: false, processGuards: false });
        try {
            const ws = new WebSocket(plain.url.replace('http', 'ws') + '/webrtc/x?fault_drop_socket_after=50');
            await new Promise((r) => ws.once('open', r));
            await new Promise((r) => setTimeout(r, 200));
            expect(ws.readyState).toBe(WebSocket.OPEN);
            ws.close();
        } finally {
            await plain.close();
        }
    });
});

describe('websocket signaling: closing while waiting', () => {
    it('a play offer waiting for its publisher is dropped when the socket closes', async () => {
        const server = await startServer({ port: 0, log: false, playWaitMs: 5000, processGuards: false });
        try {
            const ws = new WebSocket(server.url.replace('http', 'ws') + '/webrtc/waiting');
            await new Promise((r) => ws.once('open', r));
            ws.send(JSON.stringify({ type: 'offer_sdp', offer_sdp: playSdp }));
            await new Promise((r) => setTimeout(r, 100));
            expect(server.streams()).toMatchObject([{ name: 'waiting', players: 1, publisher: false }]);
            ws.close();
            await new Promise((r) => setTimeout(r, 100));
            expect(server.streams()).toEqual([]);
        } finally {
            await server.close();
        }
    });
});
