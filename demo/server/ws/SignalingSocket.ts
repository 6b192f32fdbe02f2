/**
 * One MistServer-style signaling socket on `/webrtc/<stream>`: one socket = one session, whose
 * role the offer decides. Commands sent before the session exists are answered (`rtp_props`) or
 * kept for it; malformed frames are logged and ignored; a socket that sends no offer in time is
 * closed (it would otherwise be kept forever).
 */
import type { WebSocket } from 'ws';
import type { Auth } from '../auth.ts';
import type { SessionFaults } from '../faults.ts';
import type { Log } from '../log.ts';
import { openSession } from '../relay/openSession.ts';
import { applyRtpProps, DEFAULT_RTP_PROPS } from '../relay/rtpProps.ts';
import type { Channel, Session } from '../relay/Session.ts';
import { SignalError } from '../relay/SignalError.ts';
import type { StreamRegistry } from '../relay/StreamRegistry.ts';
import { decodeMessage, isKnownCommand, type ClientMessage } from './messages.ts';

/** Commands kept for a session that does not exist yet, at most. */
const MAX_EARLY_COMMANDS = 50;

export interface SocketContext {
    registry: StreamRegistry;
    auth: Auth;
    log: Log;
    /** a socket without an offer this long gets `on_error` and is closed, ms */
    offerTimeoutMs: number;
}

export class SignalingSocket {
    private session?: Session;
    /** the session being negotiated (a play offer may wait for its publisher) */
    private pending?: Session;
    private negotiating = false;
    private readonly early: ClientMessage[] = [];
    private readonly preProps = { ...DEFAULT_RTP_PROPS };
    private readonly channel: Channel;
    private readonly timers: ReturnType<typeof setTimeout>[] = [];

    constructor(
        private readonly ctx: SocketContext,
        private readonly ws: WebSocket,
        private readonly stream: string,
        private readonly query: URLSearchParams,
        private readonly token: string | undefined,
        private readonly faults: SessionFaults,
    ) {
        this.channel = {
            send: (msg) => {
                if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
            },
            close: () => {
                if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
            },
        };
    }

    /** Starts listening to the socket, and its timers. */
    start(): void {
        const { ws, faults } = this;
        if (faults.dropSocketAfter) this.timers.push(setTimeout(() => ws.terminate(), faults.dropSocketAfter));
        this.timers.push(setTimeout(() => this.offerTimedOut(), this.ctx.offerTimeoutMs));
        ws.on('error', (e) => this.ctx.log('debug', `socket error on ${this.stream}`, e));
        ws.on('close', () => this.onClose());
        ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    }

    private onClose(): void {
        for (const t of this.timers) clearTimeout(t);
        this.session?.close();
        this.pending?.close();
        this.session = this.pending = undefined;
        this.ctx.registry.release(this.ctx.registry.get(this.stream));
    }

    private offerTimedOut(): void {
        if (this.session || this.negotiating) return;
        const seconds = Math.round(this.ctx.offerTimeoutMs / 100) / 10;
        this.ctx.log('debug', `socket on ${this.stream}: no offer within ${seconds} s, closed`);
        this.channel.send({ type: 'on_error', command: 'offer_sdp', message: `No offer within ${seconds} s` });
        this.channel.close();
    }

    private onMessage(data: unknown, isBinary: boolean): void {
        try {
            const decoded = decodeMessage(data, isBinary);
            if (decoded === 'ignored') {
                this.ctx.log('debug', `malformed or binary frame ignored on ${this.stream}`);
            } else if (decoded === 'untyped') {
                this.channel.send({
                    type: 'on_error',
                    command: '',
                    message: 'Message must be a JSON object with a string type',
                });
            } else {
                this.dispatch(decoded);
            }
        } catch (e) {
            this.ctx.log('error', `message handling failed on ${this.stream}`, e);
        }
    }

    private dispatch(msg: ClientMessage): void {
        const { type } = msg;
        if (type === 'offer_sdp') return void this.onOffer(msg);
        if (type === 'stop') {
            this.session?.close();
            this.pending?.close();
            this.ws.close(1000);
            return;
        }
        if (!this.session) {
            if (type === 'rtp_props') {
                // answered at once, handed to the session when it exists
                applyRtpProps(this.preProps, msg);
                this.channel.send({ type: 'on_rtp_props', result: true, ...this.preProps });
            } else if (!isKnownCommand(type)) {
                this.channel.send({ type: 'on_error', command: type, message: `Unknown command: ${type}` });
            } else if (this.early.length < MAX_EARLY_COMMANDS) {
                this.early.push(msg);
            }
            return;
        }
        if (!this.session.command(msg)) {
            this.channel.send({ type: 'on_error', command: type, message: `Unknown command: ${type}` });
        }
    }

    private async onOffer(msg: ClientMessage): Promise<void> {
        const { ws, channel, faults } = this;
        if (this.session || this.negotiating) {
            channel.send({ type: 'on_error', command: 'offer_sdp', message: 'Session already negotiated' });
            return;
        }
        if (typeof msg.offer_sdp !== 'string') {
            channel.send({ type: 'on_error', command: 'offer_sdp', message: 'offer_sdp must be a string' });
            return;
        }
        this.negotiating = true;
        if (faults.malformed) sendMalformedFrames(ws);
        if (faults.answerDelay) await new Promise((r) => setTimeout(r, faults.answerDelay));
        if (ws.readyState !== ws.OPEN) return;
        if (faults.refuse) {
            channel.send({ type: 'on_answer_sdp', result: false, message: 'refused (fault_refuse)' });
            return;
        }
        try {
            await this.negotiate(msg.offer_sdp);
        } catch (e) {
            this.refuse(e);
        } finally {
            this.negotiating = false;
            this.pending = undefined;
        }
    }

    private async negotiate(offer: string): Promise<void> {
        const r = await openSession(this.ctx.registry, this.ctx.auth, {
            stream: this.stream,
            offer,
            channel: this.channel,
            query: this.query,
            faults: this.faults,
            token: this.token,
            onCreated: (s) => (this.pending = s),
        });
        if (this.ws.readyState !== this.ws.OPEN) {
            r.session.close();
            return;
        }
        const session = (this.session = r.session);
        session.rtpProps = { ...this.preProps };
        session.onClose.add(() => {
            // the peer connection went away: end the signaling session too
            if (this.session === session) this.channel.close();
        });
        this.channel.send({ type: 'on_answer_sdp', result: true, answer_sdp: r.answer });
        for (const m of this.early.splice(0)) this.dispatch(m);
    }

    /**
     * A refused offer: a name already published is `on_answer_sdp {result:false}` (not retryable,
     * the socket stays); anything else is fatal before the answer: `on_error`, then close.
     */
    private refuse(e: unknown): void {
        const known = e instanceof SignalError && e.status < 500;
        if (!known) this.ctx.log('error', `offer on ${this.stream} failed`, e);
        const message = known ? e.message : 'Internal server error';
        if (known && e.status === 409) {
            this.channel.send({ type: 'on_answer_sdp', result: false, message });
            return;
        }
        this.channel.send({ type: 'on_error', command: 'offer_sdp', message });
        this.channel.close();
    }
}

/** fault_malformed: everything a client must survive, before the answer. */
function sendMalformedFrames(ws: WebSocket): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send('{"type": "on_answer_sdp", "result": tru');
    ws.send('not json at all');
    ws.send(Buffer.from([0, 1, 2, 3, 255]));
    ws.send(JSON.stringify({ type: 'on_fault_unknown_type', data: 42 }));
    ws.send(JSON.stringify({ noType: true }));
    ws.send(JSON.stringify({ type: 'on_time', data: 'wrong shape' }));
    ws.send(JSON.stringify({ type: 'padding', pad: 'x'.repeat(1 << 20) }));
}
