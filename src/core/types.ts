import type { LogLevel, Logger } from './logger';

/**
 * Where and what to connect to: the argument of {@link Player.start}, {@link Streamer.start} and
 * of the connector constructors. The endpoint's scheme picks the signaling: `ws(s)://` or a bare
 * host → WebSocket ({@link WSController}), `http(s)://` → WHIP/WHEP ({@link HTTPConnector}).
 *
 * @example
 * ```ts
 * // WebSocket signaling; a bare host means wss:// (ws:// for localhost)
 * player.start({ endPoint: 'media.example.com', streamName: 'live+cam1' });
 *
 * // WHEP, the stream named in the path, a token and extra query parameters
 * player.start({
 *     endPoint: 'https://media.example.com/whep/live+cam1',
 *     accessToken: token,
 *     iceServers: [{ urls: 'stun:stun.example.com:3478' }],
 *     query: { video: '1' },
 * });
 * ```
 */
export interface ConnectParams {
    /**
     * A bare `host[:port]` (→ `wss://host/webrtc/<streamName>`, or `ws://` for localhost /
     * 127.0.0.1 / [::1]; `/whip|whep/<streamName>` over HTTP), or the endpoint URL a server gives
     * (`ws[s]://…` or `http[s]://…`), used exactly as given, path and query kept. A URL without a
     * path (`https://media.example.com`) is a server, like a bare host.
     */
    endPoint: string;
    /**
     * The stream name; required for a bare host (or a URL without a path). With a full endpoint
     * URL it is optional (its last path segment names the session in logs and stream info).
     */
    streamName?: string;
    /**
     * On WebSocket, a query parameter (named by the `tokenParam` option, default `tkn`); on
     * WHIP/WHEP, `Authorization: Bearer`, sent only to the endpoint's origin. Never logged.
     */
    accessToken?: string;
    /** ICE servers for the peer connection (WHIP/WHEP `Link` headers add to them). */
    iceServers?: RTCIceServer[];
    /** One ICE server (the Ceeblue client's name), added after `iceServers`. */
    iceServer?: RTCIceServer;
    /** Extra query parameters (e.g. `{ video: '1', waittrackcount: '1' }`). */
    query?: Record<string, string> | URLSearchParams;
}

/** Video codec names a publisher can prefer. */
export type VideoCodec = 'H264' | 'VP8' | 'VP9' | 'AV1';

/** A WebSocket constructor compatible with the browser's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** An RTCPeerConnection constructor compatible with the browser's. */
export type RTCPeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/** A `fetch` compatible with the browser's. */
export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** Options shared by every connector. Platform objects default to the globals. */
export interface ConnectorOptions {
    /** WebSocket implementation (default: `globalThis.WebSocket`). */
    WebSocket?: WebSocketConstructor;
    /** RTCPeerConnection implementation (default: `globalThis.RTCPeerConnection`). */
    RTCPeerConnection?: RTCPeerConnectionConstructor;
    /** fetch implementation (default: `globalThis.fetch`). */
    fetch?: FetchFunction;
    /** How long to wait for the server's answer, in ms (default 15000). */
    answerTimeoutMs?: number;
    /** How long to wait for a command's reply, in ms (default 5000). */
    commandTimeoutMs?: number;
    /**
     * Play sessions over WebSocket: server silence longer than this (ms) means the session is
     * lost (default 30000; 0 disables). Publish sessions rely on the peer connection only.
     */
    watchdogMs?: number;
    /** How long a `disconnected` peer connection may take to recover before it is lost (ms, default 5000). */
    disconnectedGraceMs?: number;
    /** Preferred video codec of a publisher (default: the browser's order). */
    videoCodec?: VideoCodec;
    /**
     * Whether the offer carries data channels (default `true`): `JSON`, the timed-data channel
     * (received on play sessions, sent by `sendData` on publish sessions), and on WHEP play
     * sessions `MistControl`, the channel of the commands. Servers without data channels reject
     * the application m-line and the session plays as before; `false` leaves it out of the offer,
     * for a server that refuses an offer with one.
     */
    dataChannels?: boolean;
    /** Publish three simulcast layers (rid `h`, `m`, `l`) for servers that relay layers. */
    simulcast?: boolean;
    /**
     * The media kinds a play session must receive (default `['video']`): an answer that rejects
     * one of them, or sends none of it, closes the session with `MEDIA_FAILED` (not retried)
     * before it opens, rather than playing, say, sound over a black picture. `['audio']` plays
     * audio-only streams, `[]` whatever the server sends. A publish session needs no such list:
     * the server must take every track it publishes.
     */
    requiredMedia?: MediaKind[];
    /**
     * The WebSocket query parameter that carries `accessToken` (default `tkn`, which stock
     * MistServer reads; it also reads `jwt`, `sid` and `sessId`; the Ceeblue platform uses `id`).
     */
    tokenParam?: string;
    /** Log sink (default: `console`). */
    logger?: Logger;
    /** Minimum level logged (default `'warn'`). */
    logLevel?: LogLevel;
}

/** Connector lifecycle state. */
export type ConnectorState = 'connecting' | 'open' | 'closed';

/** Media kinds. */
export type MediaKind = 'audio' | 'video';
