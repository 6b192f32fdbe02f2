/**
 * What publish and play sessions share: an id, one werift peer connection watched for liveness,
 * timers that die with the session, the `rtp_props` command, the `MistControl` data channel (the
 * commands and replies of the signaling, for sessions without a signaling socket: WHIP/WHEP), and
 * an idempotent close.
 */
import { randomBytes } from 'node:crypto';
import type { RTCPeerConnection } from 'werift';
import type { Log } from '../log.ts';
import type { OfferInfo } from '../sdp/offer.ts';
import { decodeMessage } from '../ws/messages.ts';
import { CONTROL_LABEL, onText, sendText, type PeerDataChannel } from './dataChannels.ts';
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
    /** the `MistControl` channel, once the client opened one */
    private control?: PeerDataChannel;
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

    /**
     * A message to the client: on its signaling socket (none for WHIP/WHEP) and on its `MistControl`
     * channel, where it opened one.
     */
    send(msg: Record<string, unknown>): void {
        this.channel.send(msg);
        if (this.control) sendText(this.control, JSON.stringify(msg));
    }

    /**
     * A data channel the client opened: `MistControl` carries commands (one per session; another
     * is closed), any other is the role's ({@link onDataChannel}).
     */
    acceptDataChannel(channel: PeerDataChannel): void {
        if (this.closed) return channel.close();
        if (channel.label !== CONTROL_LABEL) return this.onDataChannel(channel);
        if (this.control) return channel.close();
        this.control = channel;
        onText(
            channel,
            (text) => this.onControlText(text),
            (why) => this.log('debug', `${this.label}: MistControl ${why} dropped`),
        );
    }

    /** A data channel other than `MistControl`: the role decides what it carries. */
    protected onDataChannel(channel: PeerDataChannel): void {
        this.log('debug', `${this.label}: data channel '${channel.label}' unused`);
    }

    /** A command on `MistControl`: handled as on the signaling socket, replies on the channel. */
    private onControlText(text: string): void {
        if (this.closed) return;
        try {
            const msg = decodeMessage(text, false);
            if (msg === 'ignored') return this.log('debug', `${this.label}: malformed MistControl frame ignored`);
            if (msg === 'untyped') {
                return this.send({
                    type: 'on_error',
                    command: '',
                    message: 'Message must be a JSON object with a string type',
                });
            }
            if (msg.type === 'stop') return this.close();
            if (!this.command(msg)) {
                this.send({ type: 'on_error', command: msg.type, message: `Unknown command: ${msg.type}` });
            }
        } catch (e) {
            this.log('error', `MistControl command failed on ${this.label}`, e);
        }
    }

    /** Adopts the session's peer connection: drop the session when it fails, closes or falls silent. */
    protected watchPc(pc: RTCPeerConnection): void {
        this.pc = pc;
        pc.onDataChannel.subscribe((channel) => this.acceptDataChannel(channel));
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
            this.send({ type: 'on_rtp_props', result: true, ...this.rtpProps });
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
