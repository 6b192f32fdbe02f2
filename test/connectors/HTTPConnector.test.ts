import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HTTPConnector } from '../../src/connectors/HTTPConnector';
import type { RtcError } from '../../src/core/RtcError';
import type { Logger } from '../../src/core/logger';
import type { ConnectorOptions, RTCPeerConnectionConstructor } from '../../src/core/types';
import { FakePeerConnection, serverAnswer } from '../fakes/FakePeerConnection';
import { fakeCamera } from '../fakes/media';
import { delay, waitUntil } from '../helpers/wait';

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
        // The peer connection waits for the DELETE, a second at most.
        expect(FakePeerConnection.live).toHaveLength(1);
        await waitUntil(() => FakePeerConnection.live.length === 0, 'the peer connection to close', 1500);
    });

    it('close() sends the DELETE first and closes the peer connection once it is answered', async () => {
        let pcOpenAtDelete: boolean | undefined;
        const server = await startServer((req, res) => {
            if (req.method === 'POST') return answering()(req, res);
            pcOpenAtDelete = FakePeerConnection.live.length === 1;
            setTimeout(() => res.writeHead(200).end(), 100);
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        await c.once('open');
        c.close();
        expect(c.state).toBe('closed');
        expect(c.peerConnection).toBeUndefined();
        await server.request(1);
        expect(pcOpenAtDelete).toBe(true);
        await waitUntil(() => FakePeerConnection.live.length === 0, 'the peer connection to close', 1000);
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
        [400, 'SIGNALING_FAILED', false],
        [405, 'REFUSED', false],
        [406, 'SIGNALING_FAILED', false],
        [409, 'STREAM_IN_USE', false],
        [415, 'SIGNALING_FAILED', false],
        [422, 'SIGNALING_FAILED', false],
        [429, 'SIGNALING_FAILED', true],
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
        // The message names the endpoint; the body is truncated to 200 characters.
        expect(error?.message).toContain(`${server.base}/whep/live`);
        expect(error!.message.length).toBeLessThan(420);
        expect(c.state).toBe('closed');
        expect(FakePeerConnection.live).toHaveLength(0);
        expect(server.requests).toHaveLength(1); // no DELETE of a session that never existed
    });

    it('server unreachable → SERVER_UNREACHABLE, retryable, naming the URL', async () => {
        const server = await startServer(() => {});
        const { base } = server;
        await server.close();
        servers.splice(servers.indexOf(server), 1);
        const c = new HTTPConnector({ endPoint: base, streamName: 'live' }, undefined, options());
        const error = await closedWith(c);
        expect(error?.code).toBe('SERVER_UNREACHABLE');
        expect(error?.retryable).toBe(true);
        expect(error?.message).toContain(`${base}/whep/live`);
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

describe('HTTPConnector: endpoints as servers give them (issue 10)', () => {
    it.each(['/whip/endpoint/cam1', '/live/abc/whep?x=1', '/rtc/v1/whep/?app=live&stream=abc'])(
        'POSTs to %s unchanged, with or without a streamName',
        async (path) => {
            const server = await startServer(answering());
            for (const streamName of [undefined, 'abc']) {
                const c = new HTTPConnector({ endPoint: `${server.base}${path}`, streamName }, undefined, options());
                await c.once('open');
                expect(server.requests.at(-1)?.url).toBe(path);
                expect(c.url).toBe(`${server.base}${path}`);
                c.close();
            }
        },
    );
});

describe('HTTPConnector: the access token stays with its origin (issue 10)', () => {
    it('sends the token to the endpoint and to a same-origin Location, not to a Location on another origin', async () => {
        const other = await startServer((_req, res) => res.writeHead(200).end());
        for (const [location, elsewhere] of [
            ['/resource/1', false],
            [`${other.base}/resource/2`, true],
            [`//127.0.0.1:${other.port}/resource/3`, true],
        ] as const) {
            const server = await startServer(answering({ Location: location }));
            const c = new HTTPConnector(
                { endPoint: server.base, streamName: 'live', accessToken: 'secret-1' },
                undefined,
                options(),
            );
            await c.once('open');
            expect(server.requests[0]?.headers.authorization).toBe('Bearer secret-1');
            c.close();
            const target = elsewhere ? other : server;
            const deleted = await target.request(elsewhere ? other.requests.length : 1);
            expect(deleted.method).toBe('DELETE');
            expect(deleted.headers.authorization).toBe(elsewhere ? undefined : 'Bearer secret-1');
        }
    });

    it('a redirect of the POST to another origin does not carry the token there', async () => {
        const other = await startServer(answering());
        const server = await startServer((_req, res) =>
            res.writeHead(307, { Location: `${other.base}/whep/live` }).end(),
        );
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live', accessToken: 'secret-2' },
            undefined,
            options(),
        );
        await c.once('open');
        expect(server.requests[0]?.headers.authorization).toBe('Bearer secret-2');
        expect(other.requests[0]?.method).toBe('POST');
        expect(other.requests[0]?.headers.authorization).toBeUndefined();
        c.close();
    });

    it('an error body that echoes the token is redacted in the error message', async () => {
        const server = await startServer((req, res) =>
            res.writeHead(403).end(`token ${req.headers.authorization?.slice(7)} is not valid`),
        );
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live', accessToken: 'secret-3' },
            undefined,
            options(),
        );
        const error = await closedWith(c);
        expect(error?.code).toBe('ACCESS_DENIED');
        expect(error?.message).not.toContain('secret-3');
        expect(error?.message).toContain('token [redacted] is not valid');
    });
});

describe('HTTPConnector: status and body (issue 10)', () => {
    it.each([
        [403, 'Endpoint ID already in use', 'STREAM_IN_USE'],
        [403, 'Forbidden', 'ACCESS_DENIED'],
        [409, 'Conflict', 'STREAM_IN_USE'],
    ] as const)('HTTP %i "%s" → %s, not retryable', async (status, body, code) => {
        const server = await startServer((_req, res) => res.writeHead(status).end(body));
        const error = await closedWith(
            new HTTPConnector({ endPoint: server.base, streamName: 'x' }, fakeCamera(), options()),
        );
        expect(error?.code).toBe(code);
        expect(error?.retryable).toBe(false);
    });

    it('503 with Retry-After gives retryAfterMs (seconds or an HTTP date)', async () => {
        const server = await startServer((_req, res) => res.writeHead(503, { 'Retry-After': '7' }).end('busy'));
        const error = await closedWith(
            new HTTPConnector({ endPoint: server.base, streamName: 'x' }, undefined, options()),
        );
        expect(error?.retryable).toBe(true);
        expect(error?.retryAfterMs).toBe(7000);
    });

    it('reads the ETag of the session resource', async () => {
        const server = await startServer(answering({ ETag: '"v1"' }));
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'x' }, undefined, options());
        await c.once('open');
        expect(c.etag).toBe('"v1"');
        c.close();
    });
});

describe('HTTPConnector: bounded reads (issue 10)', () => {
    /** Sends `chunks` of 64 KB, one every few ms, until the client goes away (an endless body). */
    function endless(status: number): Handler {
        return (_req, res) => {
            res.writeHead(status, { 'Content-Type': status < 300 ? 'application/sdp' : 'text/plain' });
            const chunk = 'v'.repeat(64 * 1024);
            const timer = setInterval(() => res.write(chunk), 2);
            res.on('close', () => clearInterval(timer));
        };
    }

    it('an endless answer ends in SIGNALING_FAILED after 256 KB, without waiting for its end', async () => {
        const server = await startServer(endless(201));
        const error = await closedWith(
            new HTTPConnector({ endPoint: server.base, streamName: 'x' }, undefined, options()),
        );
        expect(error?.code).toBe('SIGNALING_FAILED');
        expect(error?.message).toMatch(/larger than 256 KB/);
    });

    it('an endless error body gives its first characters in the message, without waiting for its end', async () => {
        const server = await startServer(endless(500));
        const error = await closedWith(
            new HTTPConnector({ endPoint: server.base, streamName: 'x' }, undefined, options()),
        );
        expect(error?.code).toBe('SIGNALING_FAILED');
        expect(error?.message).toContain('HTTP 500: vvvv');
        expect(error!.message.length).toBeLessThan(500);
    });
});

describe('HTTPConnector: trickle ICE and ICE restart by PATCH (issue 10)', () => {
    const HOST = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0';
    const HOST2 = 'candidate:2 1 udp 2122260222 127.0.0.1 50002 typ host generation 0';

    it('sends the candidates gathered during the POST in one PATCH after the answer, then the end of candidates', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') return answering({ ETag: '"e1"' })(req, res);
            res.writeHead(204).end();
        });
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live', accessToken: 't' },
            undefined,
            options(),
        );
        const opened = c.once('open');
        const pc = await waitForPc();
        pc.gather(HOST);
        pc.gather(HOST2);
        await opened;
        const patch = await server.request(1);
        expect(patch.method).toBe('PATCH');
        expect(patch.url).toBe('/whep/session/42');
        expect(patch.headers['content-type']).toBe('application/trickle-ice-sdpfrag');
        expect(patch.headers['if-match']).toBe('"e1"');
        expect(patch.headers.authorization).toBe('Bearer t');
        expect(patch.body).toBe(
            `a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8\r\na=mid:0\r\na=${HOST}\r\na=${HOST2}\r\n`,
        );
        pc.gather(null);
        const end = await server.request(2);
        expect(end.body).toMatch(/a=mid:0\r\na=end-of-candidates\r\n$/);
        c.close();
    });

    it('a 405 turns PATCH off for the session, silently', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') return answering()(req, res);
            res.writeHead(req.method === 'PATCH' ? 405 : 200).end();
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const opened = c.once('open');
        const pc = await waitForPc();
        await opened;
        pc.gather(HOST);
        await server.request(1);
        pc.gather(HOST2);
        pc.gather(null);
        await delay(50);
        expect(server.requests.map((r) => r.method)).toEqual(['POST', 'PATCH']);
        expect(c.opened).toBe(true);
        c.close();
    });

    it('on disconnected, restarts ICE by PATCH (If-Match *) and applies the server credentials: no reconnection', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') return answering({ ETag: '"e1"' })(req, res);
            if (req.headers['if-match'] === '*') {
                res.writeHead(200, { 'Content-Type': 'application/trickle-ice-sdpfrag', ETag: '"e2"' });
                return res.end(
                    'a=ice-ufrag:srv2\r\na=ice-pwd:serverpasswordnumbertwo!\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:9 1 udp 2130706431 127.0.0.1 40000 typ host\r\n',
                );
            }
            res.writeHead(204).end();
        });
        const c = new HTTPConnector({ endPoint: server.base, streamName: 'live' }, undefined, options());
        const opened = c.once('open');
        const pc = await waitForPc();
        await opened;
        const closes: unknown[] = [];
        c.on('close', (e) => closes.push(e));
        await waitUntil(() => pc.connectionState === 'connected', 'connected');
        pc.setState('disconnected');
        const restart = await server.request(1);
        expect(restart.method).toBe('PATCH');
        expect(restart.headers['if-match']).toBe('*');
        expect(restart.body).toMatch(/^a=ice-ufrag:rst1\r\na=ice-pwd:restart1/);
        await waitUntil(
            () => pc.remoteDescription?.sdp?.includes('a=ice-ufrag:srv2') === true,
            'the new remote credentials',
        );
        expect(pc.remoteDescription?.sdp).toContain('a=candidate:9 1 udp 2130706431 127.0.0.1 40000 typ host');
        expect(pc.remoteDescription?.sdp).not.toContain('a=ice-ufrag:srv1');
        expect(c.etag).toBe('"e2"');
        pc.setState('connected');
        await delay(50);
        expect(closes).toEqual([]);
        expect(c.opened).toBe(true);
        c.close();
    });

    it('a server without ICE restart (405): the local offer is rolled back and the session is lost after the grace', async () => {
        const server = await startServer((req, res) => {
            if (req.method === 'POST') return answering()(req, res);
            res.writeHead(req.method === 'PATCH' ? 405 : 200).end();
        });
        const c = new HTTPConnector(
            { endPoint: server.base, streamName: 'live' },
            undefined,
            options({ disconnectedGraceMs: 200 }),
        );
        const opened = c.once('open');
        const pc = await waitForPc();
        await opened;
        const closed = c.once('close');
        await waitUntil(() => pc.connectionState === 'connected', 'connected');
        pc.setState('disconnected');
        await server.request(1);
        await waitUntil(() => pc.signalingState === 'stable', 'the rollback');
        expect(pc.localDescription?.sdp).toContain('a=ice-ufrag:abcd');
        const error = await closed;
        expect(error?.code).toBe('CONNECTION_LOST');
    });
});

describe('HTTPConnector: ICE restart against RFC 9725 §4.3 (issue 10)', () => {
    const HOST = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0';
    const RESTARTED =
        'a=ice-lite\r\na=ice-ufrag:srv2\r\na=ice-pwd:serverpasswordnumbertwo!\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' +
        'a=mid:0\r\na=candidate:9 1 udp 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n';

    /** A WHEP server answering restarts with `restart` (status, body) and trickles with 204. */
    function server(restart: () => [number, string], trickle = 204) {
        return startServer((req, res) => {
            if (req.method === 'POST') return answering({ ETag: '"e1"' })(req, res);
            if (req.headers['if-match'] === '*') {
                const [status, body] = restart();
                res.writeHead(status, {
                    'Content-Type': 'application/trickle-ice-sdpfrag',
                    ...(status === 200 ? { ETag: '"e2"' } : {}),
                });
                return res.end(body);
            }
            res.writeHead(trickle).end();
        });
    }

    async function connected(base: string, options_: ConnectorOptions = {}) {
        const c = new HTTPConnector({ endPoint: base, streamName: 'live' }, undefined, options(options_));
        const opened = c.once('open');
        const pc = await waitForPc();
        await opened;
        await waitUntil(() => pc.connectionState === 'connected', 'connected');
        return { c, pc };
    }

    it('the candidates gathered after a restart go by trickle with the new ETag and credentials, after the restart', async () => {
        let answer: (() => void) | undefined;
        const s = await startServer((req, res) => {
            if (req.method === 'POST') return answering({ ETag: '"e1"' })(req, res);
            if (req.headers['if-match'] !== '*') return res.writeHead(204).end();
            answer = () => {
                res.writeHead(200, { 'Content-Type': 'application/trickle-ice-sdpfrag', ETag: '"e2"' });
                res.end(RESTARTED);
            };
        });
        const { c, pc } = await connected(s.base);
        pc.setState('disconnected');
        const restart = await s.request(1);
        expect(restart.headers['if-match']).toBe('*');
        // gathered while the restart waits for its answer: sent after it, never before
        pc.gather(HOST);
        await delay(50);
        expect(s.requests).toHaveLength(2);
        answer!();
        const trickle = await s.request(2);
        expect(trickle.headers['if-match']).toBe('"e2"');
        expect(trickle.body).toMatch(/^a=ice-ufrag:rst1\r\na=ice-pwd:restart1/);
        expect(trickle.body).toContain(`a=${HOST}`);
        expect(c.etag).toBe('"e2"');
        c.close();
    });

    it('a 422 to the restart turns restarts off, silently; trickle goes on', async () => {
        const s = await server(() => [422, 'no ICE restarts here']);
        const { c, pc } = await connected(s.base, { disconnectedGraceMs: 60_000 });
        const closes: unknown[] = [];
        c.on('close', (e) => closes.push(e));
        pc.setState('disconnected');
        await s.request(1);
        await waitUntil(() => pc.signalingState === 'stable', 'the rollback');
        pc.setState('connected');
        pc.setState('disconnected');
        pc.gather(HOST);
        const trickle = await s.request(2);
        expect(trickle.headers['if-match']).toBe('"e1"');
        await delay(50);
        expect(s.requests.map((r) => r.headers['if-match'])).toEqual([undefined, '*', '"e1"']);
        expect(pc.iceRestarts).toBe(1);
        expect(closes).toEqual([]);
        c.close();
    });

    it('a 422 to a trickle turns trickle off; an ICE restart is still tried', async () => {
        const s = await server(() => [200, RESTARTED], 422);
        const { c, pc } = await connected(s.base);
        pc.gather(HOST);
        await s.request(1);
        pc.gather(HOST.replace('50000', '50002'));
        await delay(50);
        expect(s.requests).toHaveLength(2);
        pc.setState('disconnected');
        const restart = await s.request(2);
        expect(restart.headers['if-match']).toBe('*');
        await waitUntil(() => pc.remoteDescription?.sdp?.includes('a=ice-ufrag:srv2') === true, 'the restart');
        c.close();
    });

    it('one restart at a time: a second disconnection during it starts none', async () => {
        let answer: (() => void) | undefined;
        const s = await startServer((req, res) => {
            if (req.method === 'POST') return answering({ ETag: '"e1"' })(req, res);
            answer = () => {
                res.writeHead(200, { 'Content-Type': 'application/trickle-ice-sdpfrag', ETag: '"e2"' });
                res.end(RESTARTED);
            };
        });
        const { c, pc } = await connected(s.base);
        pc.setState('disconnected');
        await s.request(1);
        pc.setState('connected');
        pc.setState('disconnected');
        await delay(50);
        answer!();
        await waitUntil(() => pc.remoteDescription?.sdp?.includes('a=ice-ufrag:srv2') === true, 'the restart');
        expect(s.requests).toHaveLength(2);
        expect(pc.iceRestarts).toBe(1);
        c.close();
    });

    it('a 200 whose fragment cannot be applied: the offer is rolled back, the session lost after the grace', async () => {
        const s = await server(() => [200, 'not a fragment at all']);
        const { c, pc } = await connected(s.base, { disconnectedGraceMs: 200 });
        const closed = c.once('close');
        const setRemote = vi.spyOn(pc, 'setRemoteDescription').mockRejectedValueOnce(new Error('bad answer'));
        pc.setState('disconnected');
        await s.request(1);
        await waitUntil(() => setRemote.mock.calls.length === 1, 'the answer applied');
        await waitUntil(() => pc.signalingState === 'stable', 'the rollback');
        expect(pc.localDescription?.sdp).toContain('a=ice-ufrag:abcd');
        expect((await closed)?.code).toBe('CONNECTION_LOST');
    });
});

/** The peer connection of the connector just created (the session starts right after construction). */
async function waitForPc(): Promise<FakePeerConnection> {
    await waitUntil(() => FakePeerConnection.instances.length > 0, 'a peer connection');
    return FakePeerConnection.instances.at(-1)!;
}
