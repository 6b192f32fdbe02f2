/**
 * What publish and play sessions share: an id, one werift peer connection watched for liveness,
 * timers that die with the session, the `rtp_props` command, and an idempotent close.
 */
import { randomBytes } from 'node:crypto';
import type { RTCPeerConnection } from 'werift';
import type { Log } from '../log.ts';
import type { OfferInfo } from '../sdp/offer.ts';
import { applyRtpProps, DEFAULT_RTP_PROPS } from './rtpProps.ts';
import type { Stream } from './Stream.ts';
import type { StreamRegistry } from './StreamRegistry.ts';

/** What a session sends to its client; a WHIP/WHEP session has no channel (send is a no-op). */
export interface Channel {
    send(msg: Record<string, unknown>): void;
    close(): void;
}

/**
 * 128 random bits, URL-safe. A WHIP/WHEP session's id is its resource name: whoever knows it may
 * end the session, so it must not be guessable (it used to be the clock plus a counter).
 */
export function newSessionId(): string {
    return randomBytes(16).toString('base64url');
}

export abstract class Session {
    readonly id = newSessionId();
    pc?: RTCPeerConnection;
    closed = false;
    connected = false;
    rtpProps = { ...DEFAULT_RTP_PROPS };
    private timers: ReturnType<typeof setInterval>[] = [];
    /** called once when the session closes (a set: several owners listen) */
    readonly onClose = new Set<() => void>();
    readonly createdAt = Date.now();
    private lastSeen = Date.now();
    abstract readonly role: 'publish' | 'play';

    constructor(
        readonly registry: StreamRegistry,
        readonly stream: Stream,
        readonly channel: Channel,
    ) {
        registry.sessions.add(this);
    }

    get log(): Log {
        return this.registry.config.log;
    }

    /** Short label for log lines (the id is a credential of sorts: only its start is logged). */
    protected get label(): string {
        return `${this.role} ${this.stream.name} ${this.id.slice(0, 6)}`;
    }

    /** The peer showed a sign of life (STUN, RTP, RTCP). */
    seen(): void {
        this.lastSeen = Date.now();
    }

    /** Adopts the session's peer connection: drop the session when it fails, closes or falls silent. */
    protected watchPc(pc: RTCPeerConnection): void {
        this.pc = pc;
        const timeout = this.registry.config.peerTimeoutMs;
        this.every(1000, () => {
            const silent = Date.now() - (this.connected ? this.lastSeen : this.createdAt);
            if (silent > (this.connected ? timeout : timeout * 2)) {
                this.log('info', `${this.label}: peer gone (silent ${silent} ms)`);
                this.close();
            }
        });
        pc.connectionStateChange.subscribe((state) => {
            this.log('debug', `${this.label}: pc ${state}`);
            if (state === 'connected' && !this.connected) {
                this.connected = true;
                try {
                    this.onConnected();
                } catch (e) {
                    this.log('error', 'onConnected failed', e);
                }
            }
            if (state === 'failed' || state === 'closed') this.close();
        });
    }

    protected onConnected(): void {}

    /** A repeating timer that stops with the session; an exception in it is logged, not thrown. */
    every(ms: number, fn: () => void): void {
        this.timers.push(
            setInterval(() => {
                if (this.closed) return;
                try {
                    fn();
                } catch (e) {
                    this.log('error', `${this.role} timer failed`, e);
                }
            }, ms),
        );
    }

    /** Commands both roles understand; returns false for unknown ones. */
    command(msg: Record<string, unknown>): boolean {
        if (msg.type === 'rtp_props') {
            applyRtpProps(this.rtpProps, msg);
            this.channel.send({ type: 'on_rtp_props', result: true, ...this.rtpProps });
            return true;
        }
        return false;
    }

    close(): void {
        if (this.closed) return;
        this.closed = true;
        for (const t of this.timers) clearInterval(t);
        this.timers = [];
        try {
            this.cleanup();
        } catch (e) {
            this.log('error', 'cleanup failed', e);
        }
        this.pc?.close().catch((e: unknown) => this.log('debug', 'pc.close failed', e));
        for (const cb of this.onClose) {
            try {
                cb();
            } catch (e) {
                this.log('error', 'onClose failed', e);
            }
        }
        this.registry.sessions.delete(this);
        this.registry.release(this.stream);
    }

    /** Answers the client's offer (already validated and analysed). */
    abstract answer(offerSdp: string, info: OfferInfo): Promise<string>;

    protected abstract cleanup(): void;
}
