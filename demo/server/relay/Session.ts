/**
 * What publish and play sessions share: an id, one werift peer connection watched for liveness,
 * its negotiation (the first offer/answer and ICE restarts), timers that die with the session,
 * the `rtp_props` command, the `MistControl` data channel (the commands and replies of the
 * signaling, for sessions without a signaling socket: WHIP/WHEP), and an idempotent close.
 */
import { randomBytes } from 'node:crypto';
import type { RTCPeerConnection } from 'werift';
import type { Log } from '../log.ts';
import { iceCredentials, withIceCredentials } from '../sdp/fragment.ts';
import type { OfferInfo } from '../sdp/offer.ts';
import { decodeMessage } from '../ws/messages.ts';
import { CONTROL_LABEL, onText, sendText, type PeerDataChannel } from './dataChannels.ts';
import { negotiate } from './peer.ts';
import { applyRtpProps, DEFAULT_RTP_PROPS } from './rtpProps.ts';
import { SignalError } from './SignalError.ts';
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
    /** the (munged) offer werift applied last: an ICE restart changes its credentials only */
    private remoteOffer?: string;
    /** the negotiation under way (an ICE restart waits for the one before it) */
    private negotiation: Promise<unknown> = Promise.resolve();
    /** ICE restarts that succeeded (server stats) */
    iceRestarts = 0;
    /** when the current ICE session started (the session's creation, or its last ICE restart) */
    private iceSince = Date.now();
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

    /** Whether the network path of the current ICE session is up (the fault switch can cut it); see `peer.ts`. */
    protected linkUp(): boolean {
        return this.registry.config.hooks.linkUp(this.stream.name, this.role, this.iceSince);
    }

    /** Answers the client's first offer (munged) on `pc`, and keeps it for ICE restarts. */
    protected async negotiate(pc: RTCPeerConnection, offer: string): Promise<string> {
        const answer = await negotiate(pc, offer, this.log);
        this.remoteOffer = offer;
        return answer;
    }

    /**
     * An ICE restart (RFC 9725 §4.3.2): the offer in force with the client's new credentials is
     * negotiated again on the same peer connection, the same transceivers, DTLS association and
     * relay wiring kept, and werift's answer comes back with its own new credentials. Throws a
     * {@link SignalError}: 405 when the session cannot restart (ended, or not negotiated yet),
     * 400 when the credentials are missing or unchanged.
     */
    restartIce(ufrag: string | undefined, pwd: string | undefined): Promise<string> {
        const restart = this.negotiation.then(async () => {
            const pc = this.pc;
            const offer = this.remoteOffer;
            if (this.closed || !pc || !offer) throw new SignalError('ICE restart is not possible: no session', 405);
            const current = iceCredentials(offer);
            if (!ufrag || !pwd) throw new SignalError('An ICE restart needs a=ice-ufrag and a=ice-pwd', 400);
            if (ufrag === current.ufrag && pwd === current.pwd) {
                throw new SignalError('An ICE restart needs new ICE credentials (these are in force)', 400);
            }
            const next = withIceCredentials(offer, ufrag, pwd);
            // werift restarts its ICE agent on new remote credentials (RTCIceTransport.setRemoteParams)
            // and its answer carries new local ones.
            const answer = await negotiate(pc, next, this.log);
            this.remoteOffer = next;
            this.iceSince = Date.now();
            this.startIce(pc);
            this.iceRestarts++;
            this.log('debug', `${this.label}: ICE restarted`);
            return answer;
        });
        this.negotiation = restart.catch(() => undefined);
        return restart;
    }

    /**
     * Runs the restarted ICE agents. werift's answerer starts them from setLocalDescription only
     * while DTLS is not connected (RTCPeerConnection.connect returns early for a connected DTLS
     * transport): after a restart, nothing would process the client's checks, no pair would be
     * nominated, and werift would send nothing. Started here, an agent takes the checks that
     * arrived meanwhile and the next ones, and sends again once the client nominates a pair.
     */
    private startIce(pc: RTCPeerConnection): void {
        for (const transport of pc.iceTransports) {
            if (transport.state === 'connected' || transport.state === 'closed') continue;
            transport.start().catch((e: unknown) => this.log('debug', `${this.label}: ICE start failed`, e));
        }
    }

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
