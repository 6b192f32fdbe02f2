import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HTTPConnector } from '../../src/connectors/HTTPConnector';
import type { RtcError } from '../../src/core/RtcError';
import type { Logger } from '../../src/core/logger';
import type { ConnectorOptions, RTCPeerConnectionConstructor } from '../../src/core/types';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { fakeCamera } from '../fakes/media';
import { delay } from '../helpers/wait';

interface Recorded {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    /** Resolves when the client side of this request went away before the server answered. */
    aborted: Promise<void>;
}

type Handler = (req: Recorded, res: http.ServerResponse) => void;

interface TestServer {
    base: string;
    port: number;
    requests: Recorded[];
    /** Resolves with the n-th request (0-based) once it has fully arrived. */
    request(n: number): Promise<Recorded>;
    close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A real HTTP server on 127.0.0.1 with a per-test handler. */
async function startServer(handler: Handler): Promise<TestServer> {
    const requests: Recorded[] = [];
    const waiters: { n: number; resolve: (r: Recorded) => void }[] = [];
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
            let markAborted!: () => void;
            const aborted = new Promise<void>((resolve) => (markAborted = resolve));
            res.on('close', () => {
                if (!res.writableFinished) markAborted();
            });
            const rec: Recorded = {
                method: req.method ?? '',
                url: req.url ?? '',
                headers: req.headers,
                body: Buffer.concat(chunks).toString('utf8'),
                aborted,
            };
            requests.push(rec);
            for (const w of waiters.filter((w) => w.n === requests.length - 1)) w.resolve(rec);
            handler(rec, res);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const s: TestServer = {
        base: `http://127.0.0.1:${port}`,
        port,
        requests,
        request(n) {
            const existing = requests[n];
            if (existing) return Promise.resolve(existing);
            return new Promise((resolve) => waiters.push({ n, resolve }));
        },
        close() {
            server.closeAllConnections();
            return new Promise((resolve) => server.close(() => resolve()));
        },
    };
    servers.push(s);
    return s;
}

/** Answers a POST with 201, the server answer, a relative Location and optional extra headers. */
function answering(extra: Record<string, string | string[]> = {}, options: { rejectAudio?: boolean } = {}): Handler {
    return (req, res) => {
        if (req.method === 'POST') {
            res.writeHead(201, {
                'Content-Type': 'application/sdp',
                Location: 'session/42',
                ...extra,
            });
            res.end(serverAnswer(req.body, options));
        } else {
            res.writeHead(200);
            res.end();
        }
    };
}

const PC = FakePeerConnection as unknown as RTCPeerConnectionConstructor;

function options(extra: ConnectorOptions = {}): ConnectorOptions {
    return { RTCPeerConnection: PC, logLevel: 'silent', ...extra };
}

/** Resolves with the first of `open` / `close`. */
function outcome(c: HTTPConnector): Promise<{ open?: MediaStream; error?: RtcError; closed: boolean }> {
    return new Promise((resolve) => {
        c.once('open', (open) => resolve({ open, closed: false }));
        c.once('close', (error) => resolve({ error, closed: true }));
    });
}

async function closedWith(c: HTTPConnector): Promise<RtcError | undefined> {
    const r = await outcome(c);
    expect(r.closed).toBe(true);
    return r.error;
}

beforeEach(() => FakePeerConnection.reset());
afterEach(async () => {
    vi.unstubAllGlobals();
    await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('HTTPConnector: WHEP (play)', () => {
    it('posts a recvonly offer and opens with two tracks on 201', async () => {
        const server = await startServer(answering());
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        expect(c.state).toBe('connecting');
        expect(c.publishing).toBe(false);
        expect(c.url).toBe(`${server.base}/whep/live`);
        const r = await outcome(c);
        expect(r.open).toBeDefined();
        expect(r.open!.getTracks()).toHaveLength(2);
        expect(c.opened).toBe(true);
        expect(c.stream).toBe(r.open);
        expect([...c.codecs].sort()).toEqual(['OPUS', 'VP8']);

        const req = server.requests[0]!;
        expect(req.method).toBe('POST');
        expect(req.url).toBe('/whep/live');
        expect(req.headers['content-type']).toBe('application/sdp');
        expect(req.headers.authorization).toBeUndefined();
        expect(req.body).toMatch(/^v=0\r\n/);
        expect(req.body.match(/a=recvonly/g)).toHaveLength(2);
        expect(req.body).not.toMatch(/a=sendonly/);
        expect(req.body).toMatch(/a=fmtp:111 .*stereo=1/);
        expect(req.body).toBe(FakePeerConnection.instances[0]!.localDescription!.sdp);
        c.close();
    });

    it('sends Authorization: Bearer when accessToken is set, and never logs the token', async () => {
        const server = await startServer(answering());
        const lines: string[] = [];
        const logger: Logger = {
            debug: (m, ctx) => lines.push(m + JSON.stringify(ctx ?? {})),
            info: (m, ctx) => lines.push(m + JSON.stringify(ctx ?? {})),
            warn: (m, ctx) => lines.push(m + JSON.stringify(ctx ?? {})),
            error: (m, ctx) => lines.push(m + JSON.stringify(ctx ?? {})),
        };
        const c = new HTTPConnector(
            { endPoint: `${server.base}/whep/in+abc`, accessToken: 's3cr3t-t0ken' },
            undefined,
            options({ logger, logLevel: 'debug' }),
        );
        expect(c.streamName).toBe('in+abc');
        await c.once('open');
        expect(server.requests[0]!.headers.authorization).toBe('Bearer s3cr3t-t0ken');
        expect(server.requests[0]!.url).toBe('/whep/in+abc');
        c.close();
        await server.request(1);
        expect(lines.length).toBeGreaterThan(0);
        expect(lines.join('\n')).not.toContain('s3cr3t-t0ken');
    });

    it('resolves a relative Location and DELETEs it on close, with the Bearer header', async () => {
        const server = await startServer(answering());
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live', accessToken: 'tok' },
            undefined,
            options(),
        );
        expect(c.resourceUrl).toBeUndefined();
        await c.once('open');
        expect(c.resourceUrl).toBe(`${server.base}/whep/session/42`);
        c.close();
        expect(c.resourceUrl).toBeUndefined();
        const del = await server.request(1);
        expect(del.method).toBe('DELETE');
        expect(del.url).toBe('/whep/session/42');
        expect(del.headers.authorization).toBe('Bearer tok');
        c.close(); // idempotent: no second DELETE
        await delay(50);
        expect(server.requests).toHaveLength(2);
    });

    it('resolves an absolute-path Location', async () => {
        const server = await startServer(answering({ Location: '/resource/abc' }));
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        await c.once('open');
        expect(c.resourceUrl).toBe(`${server.base}/resource/abc`);
        c.close();
        expect((await server.request(1)).url).toBe('/resource/abc');
    });

    it('close() returns at once even when the DELETE never gets an answer', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') answering()(req, res);
            // DELETE: never answered
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        await c.once('open');
        const closes: (RtcError | undefined)[] = [];
        c.on('close', (e) => closes.push(e));
        const t0 = performance.now();
        c.close();
        expect(performance.now() - t0).toBeLessThan(50);
        expect(c.closed).toBe(true);
        expect((await server.request(1)).method).toBe('DELETE');
        await delay(20);
        expect(closes).toEqual([undefined]);
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('sends no DELETE when the server gave no Location', async () => {
        const server = await startServer((req, res) => {
            res.writeHead(201, { 'Content-Type': 'application/sdp' });
            res.end(serverAnswer(req.body));
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        await c.once('open');
        expect(c.resourceUrl).toBeUndefined();
        c.close();
        await delay(50);
        expect(server.requests).toHaveLength(1);
    });

    it('accepts 200 as well as 201', async () => {
        const server = await startServer((req, res) => {
            res.writeHead(200, { 'Content-Type': 'application/sdp' });
            res.end(serverAnswer(req.body));
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const r = await outcome(c);
        expect(r.open?.getTracks()).toHaveLength(2);
        c.close();
    });

    it('plays video only when the server rejects the audio m-line', async () => {
        const server = await startServer(answering({}, { rejectAudio: true }));
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const r = await outcome(c);
        expect(r.open?.getTracks().map((t) => t.kind)).toEqual(['video']);
        c.close();
    });

    it('adds the ICE servers of Link headers to the peer connection configuration', async () => {
        const server = await startServer(
            answering({
                Link: [
                    '<stun:stun.example.net:3478>; rel="ice-server", <turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="u"; credential="c"; credential-type="password"',
                    '<turns:turn.example.net:443?transport=tcp>; rel="ice-server"; username="u2"; credential="c2"',
                    '</docs>; rel="help"',
                ],
            }),
        );
        const own: RTCIceServer = { urls: 'stun:own.example.org' };
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live', iceServers: [own] },
            undefined,
            options(),
        );
        await c.once('open');
        const pc = FakePeerConnection.instances[0]!;
        expect(pc.configuration?.iceServers).toEqual([
            own,
            { urls: 'stun:stun.example.net:3478' },
            { urls: 'turn:turn.example.net:3478?transport=udp', username: 'u', credential: 'c' },
            { urls: 'turns:turn.example.net:443?transport=tcp', username: 'u2', credential: 'c2' },
        ]);
        c.close();
    });

    it('logs and carries on when setConfiguration throws', async () => {
        const server = await startServer(
            answering({ Link: '<turn:t.example.net>; rel="ice-server"; username="u"; credential="c"' }),
        );
        const warn = vi.fn();
        class Strict extends FakePeerConnection {
            override setConfiguration(): void {
                throw new Error('InvalidModificationError');
            }
        }
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live' },
            undefined,
            options({
                RTCPeerConnection: Strict as unknown as RTCPeerConnectionConstructor,
                logger: { debug() {}, info() {}, warn, error() {} },
                logLevel: 'warn',
            }),
        );
        const r = await outcome(c);
        expect(r.open).toBeDefined();
        expect(warn).toHaveBeenCalledWith(expect.stringContaining('ICE servers'), expect.anything());
        c.close();
    });
});

describe('HTTPConnector: WHIP (publish)', () => {
    it('posts a sendonly offer to /whip/<name> and opens once the peer connection connects', async () => {
        FakePeerConnection.autoConnectMs = -1;
        const server = await startServer(answering());
        const camera = fakeCamera();
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'cam 1' }, camera, options());
        expect(c.publishing).toBe(true);
        const opened = vi.fn();
        c.on('open', opened);
        await server.request(0);
        await vi.waitFor(() => expect(FakePeerConnection.instances[0]?.remoteDescription).not.toBeNull());
        await delay(20);
        expect(opened).not.toHaveBeenCalled();
        expect(c.state).toBe('connecting');
        FakePeerConnection.instances[0]!.setState('connected');
        const stream = await c.once('open');
        expect(stream).toBe(camera);
        expect(opened).toHaveBeenCalledTimes(1);

        const req = server.requests[0]!;
        expect(req.method).toBe('POST');
        expect(req.url).toBe('/whip/cam%201');
        expect(req.headers['content-type']).toBe('application/sdp');
        expect(req.body.match(/a=sendonly/g)).toHaveLength(2);
        expect(req.body).not.toMatch(/a=recvonly/);
        expect(req.body).toMatch(/a=fmtp:111 .*stereo=1/);
        // H264 packetization-mode=0 is never offered.
        expect(req.body).not.toMatch(/packetization-mode=0/);
        c.close();
        // The publisher's own tracks are the app's: not stopped by close.
        expect(camera.getTracks().every((t) => t.readyState === 'live')).toBe(true);
        expect((await server.request(1)).method).toBe('DELETE');
    });

    it('videoCodec: setCodecPreferences puts the codec first where the browser has capabilities, the posted offer lists it first, an absent codec is logged', async () => {
        const server = await startServer(answering());
        const capabilities = ['video/VP8', 'video/rtx', 'video/VP9', 'video/H264'].map((mimeType) => ({
            mimeType,
            clockRate: 90000,
        }));
        vi.stubGlobal('RTCRtpSender', {
            getCapabilities: () => ({ codecs: capabilities.slice(), headerExtensions: [] }),
        });
        try {
            const c = new HTTPConnector(
                { endPoint: server.base, streamName: 'live' },
                fakeCamera(),
                options({ videoCodec: 'VP9' }),
            );
            await c.once('open');
            const video = FakePeerConnection.instances[0]!.getTransceivers().find(
                (t) => t.sender.track?.kind === 'video',
            );
            expect(
                (video as unknown as { codecPreferences: { mimeType: string }[] }).codecPreferences.map(
                    (x) => x.mimeType,
                ),
            ).toEqual(['video/VP9', 'video/VP8', 'video/rtx', 'video/H264']);
            expect(server.requests[0]!.body).toMatch(/\r\nm=video 9 UDP\/TLS\/RTP\/SAVPF 98 99 96 97 100 101\r\n/);
            c.close();

            const warn = vi.fn();
            const d = new HTTPConnector(
                { endPoint: server.base, streamName: 'live' },
                fakeCamera(),
                options({ videoCodec: 'AV1', logger: { debug() {}, info() {}, warn, error() {} }, logLevel: 'warn' }),
            );
            await d.once('open');
            expect(warn).toHaveBeenCalledWith(expect.stringContaining('AV1'));
            d.close();
        } finally {
            vi.unstubAllGlobals();
        }
    });

    it('uses an endPoint that already names /whip/<name>', async () => {
        const server = await startServer(answering());
        const c = new HTTPConnector({ endPoint: `${server.base}/whip/abc` }, fakeCamera(), options());
        expect(c.streamName).toBe('abc');
        await c.once('open');
        expect(server.requests[0]!.url).toBe('/whip/abc');
        c.close();
    });
});

describe('HTTPConnector: errors', () => {
    it.each([
        [401, 'ACCESS_DENIED', false],
        [403, 'ACCESS_DENIED', false],
        [404, 'STREAM_NOT_FOUND', false],
        [400, 'REFUSED', false],
        [405, 'REFUSED', false],
        [409, 'REFUSED', false],
        [415, 'REFUSED', false],
        [422, 'REFUSED', false],
        [429, 'REFUSED', false],
        [500, 'SIGNALING_FAILED', true],
        [503, 'SIGNALING_FAILED', true],
    ] as const)('HTTP %i → %s (retryable: %s)', async (status, code, retryable) => {
        const server = await startServer((req, res) => {
            res.writeHead(status, { 'Content-Type': 'text/plain' });
            res.end(`nope ${status} ${'x'.repeat(400)}`);
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const error = await closedWith(c);
        expect(error?.name).toBe('RtcError');
        expect(error?.code).toBe(code);
        expect(error?.retryable).toBe(retryable);
        expect(error?.message).toContain(String(status));
        expect(error?.message).toContain(`nope ${status}`);
        // The body is truncated to 200 characters.
        expect(error!.message.length).toBeLessThan(320);
        expect(c.state).toBe('closed');
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(server.requests).toHaveLength(1); // no DELETE of a session that never existed
    });

    it('server unreachable → CONNECTION_LOST, retryable', async () => {
        const server = await startServer(() => {});
        const { base } = server;
        await server.close();
        servers.splice(servers.indexOf(server), 1);
        const c = new HTTPConnector({ endPoint: base, streamName: 'live' }, undefined, options());
        const error = await closedWith(c);
        expect(error?.code).toBe('CONNECTION_LOST');
        expect(error?.retryable).toBe(true);
        expect(error?.cause).toBeDefined();
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('no answer in time → TIMEOUT and the POST is aborted', async () => {
        const server = await startServer(() => {}); // never answers
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live' },
            undefined,
            options({ answerTimeoutMs: 150 }),
        );
        const req = await server.request(0);
        const error = await closedWith(c);
        expect(error?.code).toBe('TIMEOUT');
        await req.aborted;
        expect(FakePeerConnection.live).toHaveLength(0);
    });

    it('close() during the POST: aborts it, no open, one close without error, no live peer connection', async () => {
        const server = await startServer(() => {}); // never answers
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const events: string[] = [];
        c.on('open', () => events.push('open'));
        c.on('close', (e) => events.push(`close:${e?.code ?? 'none'}`));
        c.on('state', (s) => events.push(`state:${s}`));
        const req = await server.request(0);
        c.close();
        c.close();
        await req.aborted;
        await delay(50);
        expect(events).toEqual(['state:closed', 'close:none']);
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(server.requests).toHaveLength(1);
    });

    it('an answer that is not SDP → SIGNALING_FAILED, and the created resource is deleted', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') {
                res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/res/1' });
                res.end('<html>hello</html>');
            } else {
                res.writeHead(204);
                res.end();
            }
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const error = await closedWith(c);
        expect(error?.code).toBe('SIGNALING_FAILED');
        expect(error?.retryable).toBe(false);
        const del = await server.request(1);
        expect(del.method).toBe('DELETE');
        expect(del.url).toBe('/res/1');
    });

    it('a 201 without a body → SIGNALING_FAILED', async () => {
        const server = await startServer((_req, res) => {
            res.writeHead(201);
            res.end();
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        expect((await closedWith(c))?.code).toBe('SIGNALING_FAILED');
    });

    it('bad arguments throw INVALID_ARGUMENT synchronously', () => {
        expect(() => new HTTPConnector({ endPoint: 'http://127.0.0.1:1' }, undefined, options())).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        expect(() => new HTTPConnector({ endPoint: 'http://[bad', streamName: 'x' }, undefined, options())).toThrow(
            expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
        );
        expect(FakePeerConnection.instances).toHaveLength(0);
    });
});

describe('HTTPConnector: platform injection', () => {
    it('uses options.fetch, called detached (as browsers require)', async () => {
        const server = await startServer(answering());
        const calls: { self: unknown; url: string; method: string | undefined }[] = [];
        const fetchImpl = function (this: unknown, url: string, init?: RequestInit) {
            calls.push({ self: this, url, method: init?.method });
            return fetch(url, init);
        };
        const opts = options({ fetch: fetchImpl });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, opts);
        await c.once('open');
        c.close();
        await server.request(1);
        expect(calls.map((x) => x.method)).toEqual(['POST', 'DELETE']);
        expect(calls.every((x) => x.self === undefined)).toBe(true);
    });

    it('reads the global fetch lazily (at session start, not at import)', async () => {
        const server = await startServer(answering());
        const realFetch = globalThis.fetch;
        const spy = vi.fn((url: string, init?: RequestInit) => realFetch(url, init));
        vi.stubGlobal('fetch', spy);
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        await c.once('open');
        expect(spy).toHaveBeenCalledTimes(1);
        c.close();
    });

    it('no fetch at all → NOT_SUPPORTED', async () => {
        vi.stubGlobal('fetch', undefined);
        const c = new HTTPConnector({ endPoint: 'http://127.0.0.1:9', streamName: 'live' }, undefined, options());
        expect((await closedWith(c))?.code).toBe('NOT_SUPPORTED');
    });
});
