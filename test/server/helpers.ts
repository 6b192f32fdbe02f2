// Shared pieces of the reference server's tests: Chromium's recorded offers, an in-process server
// on 127.0.0.1 and a free port, a small WebSocket signaling client, and RTP packet builders.
import { readFileSync } from 'node:fs';
import { RtpHeader, RtpPacket } from 'werift';
import WebSocket from 'ws';
import { startServer, type RunningServer, type ServerOptions } from '../../demo/server/main.ts';
import { LOSSLESS } from '../../demo/server/relay/hooks.ts';
import { StreamRegistry } from '../../demo/server/relay/StreamRegistry.ts';

export const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
export const publishSdp = fixture('chromium-publish.sdp');
export const simulcastSdp = fixture('chromium-simulcast.sdp');
export const playSdp = fixture('chromium-play.sdp');
/** Firefox 153 ESR's offers as the SDK sends them: the video section is bundle-only (port 0). */
export const firefoxPublishSdp = fixture('firefox-publish.sdp');
export const firefoxPlaySdp = fixture('firefox-play.sdp');

/** A quiet in-process server on a free loopback port. */
export function startTestServer(options: ServerOptions = {}): Promise<RunningServer> {
    return startServer({ port: 0, log: false, processGuards: false, playWaitMs: 300, ...options });
}

/** A quiet relay without a server around it (sessions built by hand in relay tests). */
export function testRegistry(): StreamRegistry {
    return new StreamRegistry({
        playWaitMs: 100,
        keyframeIntervalMs: 0,
        defaultVideoBitrate: 1_000_000,
        peerTimeoutMs: 8000,
        hooks: LOSSLESS,
        log: () => undefined,
    });
}

export interface Client {
    ws: WebSocket;
    msgs: Array<Record<string, unknown>>;
    raw: Array<string | Buffer>;
    /** the first message of `type` (already received or next), or a rejection after `ms` */
    next: (type: string, ms?: number) => Promise<Record<string, unknown>>;
    /** resolves with the close code */
    closed: Promise<number>;
}

/** Opens a signaling socket on `server` at `p` (e.g. `/webrtc/cam?tkn=x`). */
export async function connect(server: RunningServer, p: string): Promise<Client> {
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
}

export const sendJson = (c: Client, msg: Record<string, unknown>) => c.ws.send(JSON.stringify(msg));

/** POSTs an offer to a WHIP/WHEP endpoint. */
export function postOffer(server: RunningServer, p: string, body: string, headers: Record<string, string> = {}) {
    return fetch(server.url + p, {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp', ...headers },
        body,
    });
}

/**
 * `n` video sections of ~290 bytes, each with its own ICE credentials and none in a BUNDLE group:
 * appended to an offer, the attack of issue #9 that made werift open one UDP socket per section.
 */
export function unbundledVideoSections(n: number): string {
    const section = (i: number) =>
        [
            'm=video 9 UDP/TLS/RTP/SAVPF 96 97',
            'c=IN IP4 0.0.0.0',
            'a=rtcp:9 IN IP4 0.0.0.0',
            `a=ice-ufrag:u${i}`,
            'a=ice-pwd:0123456789abcdefghijkl',
            'a=setup:actpass',
            `a=mid:x${i}`,
            'a=sendonly',
            'a=rtcp-mux',
            'a=rtpmap:96 VP8/90000',
            'a=rtcp-fb:96 nack',
            'a=rtcp-fb:96 nack pli',
            'a=rtcp-fb:96 goog-remb',
            'a=rtpmap:97 rtx/90000',
            'a=fmtp:97 apt=96',
            '',
        ].join('\r\n');
    return Array.from({ length: n }, (_, i) => section(i)).join('');
}

// ------------------------------------------------------------------------------- RTP packets

/**
 * VP8 payloads as Chromium's libvpx packetizer writes them (RFC 7741): a payload descriptor with
 * a 15-bit picture id, then the frame. A keyframe's first packet carries the 10-byte frame tag
 * with the start code 9d 01 2a and the size (here 640x480).
 */
export function vp8Payload(kind: 'key' | 'delta' | 'continuation', pictureId = 0): Buffer {
    const start = kind === 'continuation' ? 0x80 : 0x90; // X, and S for the first packet of a frame
    const descriptor = [start, 0x80, 0x80 | ((pictureId >> 8) & 0x7f), pictureId & 0xff];
    const frame =
        kind === 'key'
            ? [0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01] // P=0, 640 x 480
            : [0x51, 0x42, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]; // P=1: interframe
    return Buffer.from([...descriptor, ...frame, ...Buffer.alloc(20, kind.length)]);
}

export function rtp(seq: number, timestamp: number, payload: Buffer, extra: Partial<RtpHeader> = {}): RtpPacket {
    return new RtpPacket(
        new RtpHeader({
            sequenceNumber: seq & 0xffff,
            timestamp: timestamp >>> 0,
            ssrc: 0x1234,
            payloadType: 96,
            ...extra,
        }),
        payload,
    );
}

/**
 * A VP8 video recording: `frames` frames of `packetsPerFrame` packets each, 30 fps (3000 ticks),
 * a keyframe every `gop` frames, from sequence number `seq0` and timestamp `ts0`.
 */
export function vp8Recording(options: {
    frames: number;
    packetsPerFrame?: number;
    gop?: number;
    seq0?: number;
    ts0?: number;
    ssrc?: number;
}): RtpPacket[] {
    const { frames, packetsPerFrame = 3, gop = 30, seq0 = 1000, ts0 = 90_000, ssrc = 0x1234 } = options;
    const out: RtpPacket[] = [];
    let seq = seq0;
    for (let f = 0; f < frames; f++) {
        const ts = ts0 + f * 3000;
        for (let i = 0; i < packetsPerFrame; i++) {
            const kind = i > 0 ? 'continuation' : f % gop === 0 ? 'key' : 'delta';
            out.push(rtp(seq++, ts, vp8Payload(kind, f), { ssrc, marker: i === packetsPerFrame - 1 }));
        }
    }
    return out;
}
