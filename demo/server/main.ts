/**
 * rtcwire reference server: static demo files, MistServer-style WebSocket signaling on /webrtc/<stream>,
 * WHIP/WHEP, /streams, optional access tokens and a test-only fault switch. Loopback only.
 *
 *   import { startServer } from './demo/server/main.ts';
 *   const server = await startServer({ port: 0 });   // → { url, port, host, streams(), faults(), close() }
 *
 * The layers, each in its folder: `http/` (routes, static files, WHIP/WHEP), `ws/` (signaling
 * sockets), `relay/` (streams, publish and play sessions), `rtp/` (packet-level pieces), `sdp/`
 * (offer validation, codec choice, munging). This file only builds them and ties them together.
 */
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { RTCDtlsTransport } from 'werift';
import { Auth } from './auth.ts';
import { resolveOptions, type ServerOptions } from './config.ts';
import { FaultSwitch, type FaultCommand } from './faults.ts';
import { createRequestListener } from './http/routes.ts';
import { WhipWhep } from './http/whipWhep.ts';
import { installProcessGuards, makeLogger } from './log.ts';
import { LOSSLESS } from './relay/hooks.ts';
import { StreamRegistry } from './relay/StreamRegistry.ts';
import { SignalingServer } from './ws/SignalingServer.ts';

export type { ServerOptions } from './config.ts';
export type { FaultCommand } from './faults.ts';
export type { TokenRules } from './auth.ts';

export interface RunningServer {
    url: string;
    host: string;
    port: number;
    /** stream info as served on GET /streams */
    streams(): unknown[];
    /** runtime fault control (same as POST /_faults), only when faults are enabled */
    faults(cmd: FaultCommand): Record<string, unknown>;
    /**
     * Stops the server. Graceful by default: sessions end (players get `on_stop`). `abrupt: true`
     * behaves like the process dying: sockets are cut first, without close frames or `on_stop`.
     */
    close(options?: { abrupt?: boolean }): Promise<void>;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
    const opts = resolveOptions(options);
    const log = makeLogger(opts.log);
    if (opts.processGuards) installProcessGuards(log);
    const auth = new Auth(opts.tokens);
    if (auth.enabled) log('info', 'access tokens required by the configured rules');

    // `dropSockets` reaches the signaling server, created below (the fault switch is needed first)
    const faults = opts.faults ? new FaultSwitch((stream): number => signaling.dropSockets(stream)) : undefined;
    const registry = new StreamRegistry({
        playWaitMs: opts.playWaitMs,
        keyframeIntervalMs: opts.keyframeIntervalMs,
        defaultVideoBitrate: opts.defaultVideoBitrate,
        peerTimeoutMs: opts.peerTimeoutMs,
        hooks: faults ?? LOSSLESS,
        log,
    });
    const whipWhep = new WhipWhep({ registry, auth, faults, log });
    const server = http.createServer(createRequestListener({ registry, whipWhep, faults, root: opts.root, log }));
    server.on('clientError', (_e, socket) => socket.destroy());
    const signaling: SignalingServer = new SignalingServer(
        { registry, auth, log, offerTimeoutMs: opts.offerTimeoutMs },
        faults,
    );
    signaling.attach(server);

    // werift makes one DTLS certificate per process: make it now, not during the first offer
    await RTCDtlsTransport.SetupCertificate().catch((e: unknown) => log('warn', 'certificate warm-up failed', e));
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : opts.port;
    const urlHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

    let closing: Promise<void> | undefined;
    return {
        url: `http://${urlHost}:${port}`,
        host: opts.host,
        port,
        streams: () => registry.list(),
        faults: (cmd) => faults?.command(cmd) ?? {},
        close: ({ abrupt = false } = {}) =>
            (closing ??= (async () => {
                if (abrupt) signaling.terminateAll();
                registry.closeAll();
                signaling.close();
                server.closeAllConnections();
                await new Promise<void>((r) => server.close(() => r()));
            })()),
    };
}

// ---------------------------------------------------------------------- CLI
const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
    startServer({ log: process.env.RTCWIRE_DEBUG === '1' ? 'debug' : 'info' })
        .then((s) => {
            console.log(`rtcwire reference server listening on ${s.url}/`);
            const stop = () => s.close().then(() => process.exit(0));
            process.on('SIGINT', stop);
            process.on('SIGTERM', stop);
        })
        .catch((e: unknown) => {
            console.error('rtcwire server failed to start:', (e as Error).message);
            process.exit(1);
        });
}
