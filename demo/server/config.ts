/** The server's options, their environment variables and defaults, resolved in one place. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTokenFile, tokensFromEnv, type TokenRules } from './auth.ts';
import type { LogOption } from './log.ts';

export interface ServerOptions {
    /** bind address, default env HOST or 127.0.0.1 */
    host?: string;
    /** port, default env PORT or 8080; 0 = any free port */
    port?: number;
    /** how long a play request waits for a publisher (ms), default env RTCWIRE_PLAY_WAIT_MS or 10000 */
    playWaitMs?: number;
    /** server-side keyframe request interval bounding the cached GOP (ms), default 2000; 0 = off */
    keyframeIntervalMs?: number;
    /** REMB sent to publishers before any video_bitrate command, default 8 Mbit/s */
    defaultVideoBitrate?: number;
    /** a connected peer silent this long (no STUN consent check, RTP or RTCP) is dropped, default 15000 ms
     *  (a browser sees the silence as `disconnected` after 5–7 s, then restarts ICE: the session must
     *  outlive that); a peer that never connects is dropped after twice that */
    peerTimeoutMs?: number;
    /** a WebSocket that sends no offer this long gets `on_error` and is closed, default 10000 ms */
    offerTimeoutMs?: number;
    /**
     * Access tokens per stream name or prefix (see auth.ts and the README), or the path of a JSON
     * file holding them. Default env TOKENS (JSON) or TOKENS_FILE (path); none = no auth.
     */
    tokens?: TokenRules | string;
    /** enable the test-only fault switch (default env RTCWIRE_FAULTS=1) */
    faults?: boolean;
    /** repository root for static files (default: two levels above this file) */
    root?: string;
    /** logging: false = silent, true/'info' = info and above, 'debug' = everything, or a function */
    log?: LogOption;
    /** install process-level uncaughtException/unhandledRejection guards that log (default true) */
    processGuards?: boolean;
}

export type ResolvedOptions = Required<Omit<ServerOptions, 'tokens'>> & { tokens?: TokenRules };

const num = (v: string | undefined): number | undefined => {
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
};

export function resolveOptions(options: ServerOptions, env: NodeJS.ProcessEnv = process.env): ResolvedOptions {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const tokens = typeof options.tokens === 'string' ? readTokenFile(options.tokens) : options.tokens;
    return {
        host: options.host ?? env.HOST ?? '127.0.0.1',
        port: options.port ?? num(env.PORT) ?? 8080,
        playWaitMs: options.playWaitMs ?? num(env.RTCWIRE_PLAY_WAIT_MS) ?? 10_000,
        keyframeIntervalMs: options.keyframeIntervalMs ?? 2000,
        defaultVideoBitrate: options.defaultVideoBitrate ?? 8_000_000,
        peerTimeoutMs: options.peerTimeoutMs ?? 15_000,
        offerTimeoutMs: options.offerTimeoutMs ?? 10_000,
        tokens: tokens ?? tokensFromEnv(env),
        faults: options.faults ?? env.RTCWIRE_FAULTS === '1',
        root: path.resolve(options.root ?? path.join(here, '..', '..')),
        log: options.log ?? 'info',
        processGuards: options.processGuards ?? true,
    };
}
