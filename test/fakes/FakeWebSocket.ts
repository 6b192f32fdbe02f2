import { serverAnswer } from './FakePeerConnection';

type Handler = ((event: any) => void) | null;

/**
 * An in-memory WebSocket whose server side is scripted by the test (`FakeWebSocket.server`).
 * Everything happens through timers, so vitest fake timers drive it. By default the server
 * answers offers like MistServer does.
 */
export class FakeWebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    static instances: FakeWebSocket[] = [];
    /** The scripted server; receives each client message. Default: answer offers. */
    static server: (socket: FakeWebSocket, message: Record<string, unknown>) => void = defaultServer;
    /** Refuse connections (the socket errors then closes with 1006). */
    static unreachable = false;

    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;
    readyState = 0;
    readonly sent: Record<string, unknown>[] = [];
    onopen: Handler = null;
    onmessage: Handler = null;
    onclose: Handler = null;
    onerror: Handler = null;
    readonly #listeners = new Map<string, Set<(event: any) => void>>();

    constructor(readonly url: string) {
        FakeWebSocket.instances.push(this);
        setTimeout(() => {
            if (this.readyState !== 0) return;
            if (FakeWebSocket.unreachable) {
                this.#fire('error', { type: 'error' });
                this.serverClose(1006);
                return;
            }
            this.readyState = 1;
            this.#fire('open', { type: 'open' });
        }, 1);
    }

    static reset(): void {
        FakeWebSocket.instances = [];
        FakeWebSocket.server = defaultServer;
        FakeWebSocket.unreachable = false;
    }

    static get open(): FakeWebSocket[] {
        return FakeWebSocket.instances.filter((s) => s.readyState === 1);
    }

    addEventListener(type: string, fn: (event: any) => void): void {
        if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
        this.#listeners.get(type)!.add(fn);
    }
    removeEventListener(type: string, fn: (event: any) => void): void {
        this.#listeners.get(type)?.delete(fn);
    }

    send(data: string): void {
        if (this.readyState !== 1) throw new Error('InvalidStateError: not open');
        const message = JSON.parse(data) as Record<string, unknown>;
        this.sent.push(message);
        setTimeout(() => {
            if (this.readyState === 1) FakeWebSocket.server(this, message);
        }, 1);
    }

    close(code = 1000): void {
        if (this.readyState >= 2) return;
        this.readyState = 2;
        setTimeout(() => this.serverClose(code), 1);
    }

    /** Server → client frame (objects are JSON-encoded). */
    serverSend(message: unknown): void {
        if (this.readyState !== 1) return;
        const data = typeof message === 'string' ? message : JSON.stringify(message);
        this.#fire('message', { type: 'message', data });
    }

    /** The connection ends (1006 = dropped without a close frame). */
    serverClose(code = 1006): void {
        if (this.readyState === 3) return;
        this.readyState = 3;
        this.#fire('close', { type: 'close', code, reason: '', wasClean: code !== 1006 });
    }

    #fire(type: string, event: unknown): void {
        (this as unknown as Record<string, Handler>)[`on${type}`]?.(event);
        for (const fn of this.#listeners.get(type) ?? []) fn(event);
    }
}

/** MistServer-like default: answer offers; echo rtp_props, video_bitrate; ack tracks with on_time. */
export function defaultServer(socket: FakeWebSocket, message: Record<string, unknown>): void {
    switch (message.type) {
        case 'offer_sdp':
            socket.serverSend({
                type: 'on_answer_sdp',
                result: true,
                answer_sdp: serverAnswer(String(message.offer_sdp)),
            });
            break;
        case 'rtp_props':
            socket.serverSend({ type: 'on_rtp_props', result: true, nack: message.nack ?? 0, drop: message.drop ?? 0 });
            break;
        case 'video_bitrate':
            socket.serverSend({
                type: 'on_video_bitrate',
                result: true,
                video_bitrate: message.video_bitrate,
                video_bitrate_constraint: 6_000_000,
            });
            break;
        case 'tracks':
            socket.serverSend({
                type: 'on_time',
                data: {
                    begin: 0,
                    current: 1000,
                    end: 1000,
                    tracks: [0, Number(message.video ?? 1)],
                    play_rate_curr: 'auto',
                },
            });
            break;
        default:
            break;
    }
}
