/**
 * A play: werift sends one browser the stream's audio and one of its video layers, chosen by the
 * player (`tracks` command, `?audio=`/`?video=`) or automatically (the largest live layer), and on
 * a data channel labelled `JSON` (or `subtitle`, `*`) the stream's timed data (every data track,
 * or the `meta` of the `tracks` command). Play sessions also carry the MistServer commands that
 * shape playback (`hold`, `play`, `set_speed` …) and report `on_time` once a second.
 */
import { RtcpPayloadSpecificFeedback, RtpHeader, type RTCRtpSender, type RtcpPacket, type RtpPacket } from 'werift';
import { pickPlayCodec } from '../sdp/codecs.ts';
import { mungeOffer } from '../sdp/munge.ts';
import type { Kind, OfferCodec, OfferInfo } from '../sdp/offer.ts';
import { isDataChannelFor, sendText, type PeerDataChannel } from './dataChannels.ts';
import type { TimedItem } from './DataTrack.ts';
import { Outbound, type RtpSink } from './Outbound.ts';
import { createPeer } from './peer.ts';
import { Session, type Channel } from './Session.ts';
import { SignalError } from './SignalError.ts';
import type { Stream, WaitSignal } from './Stream.ts';
import type { StreamRegistry } from './StreamRegistry.ts';
import type { Track } from './Track.ts';
import { VideoForwarder } from './VideoForwarder.ts';

/** A track choice: an index, the server's pick, or nothing of that kind. */
export type Choice = number | 'auto' | 'none';

export function parseChoice(v: unknown): Choice | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (v === 'auto' || v === 'none') return v;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** A choice of data tracks: every one (`auto`), none, or these indices. */
export type MetaChoice = 'auto' | 'none' | number[];

/** `meta` of a `tracks` command: `'auto'`, `'none'`, or indices separated by commas (`'3,4'`). */
export function parseMetaChoice(v: unknown): MetaChoice | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (v === 'auto' || v === 'none') return v;
    if (typeof v !== 'string' && typeof v !== 'number') return undefined;
    const indices = String(v)
        .split(',')
        .map((part) => parseChoice(part.trim()));
    return indices.every((i) => typeof i === 'number') ? (indices as number[]) : undefined;
}

/** RTCP feedback message types (RFC 4585 § 6.3, RFC 5104 § 4.3.1). */
const PLI = 1;
const FIR = 4;

/** Audio resumes 20 ms of Opus ticks after its last packet (a pause or a track change). */
const AUDIO_RESYNC_TICKS = 960;

/** How a player's packets reach werift: new ones through the sender, NACK answers straight to DTLS. */
function senderSink(sender: RTCRtpSender): RtpSink {
    return {
        send: (p) => void sender.sendRtp(p).catch(() => undefined),
        resend: (p) => {
            // the sender would renumber a packet it is given; a retransmission keeps its number
            const codec = sender.codec;
            if (!codec || sender.dtlsTransport?.state !== 'connected') return;
            const header = new RtpHeader({ ...p.header, ssrc: sender.ssrc, payloadType: codec.payloadType });
            sender.dtlsTransport.sendRtp(p.payload, header).catch(() => undefined);
        },
    };
}

export class PlaySession extends Session {
    readonly role = 'play';
    private audioOut?: Outbound;
    private video?: VideoForwarder;
    audioChoice: Choice = 'auto';
    videoChoice: Choice = 'auto';
    private audioResync = false;
    paused = false;
    private playRate: number | 'auto' = 'auto';
    private readonly abortWait: WaitSignal = { aborted: false };
    /** `fault_withhold`: the kind negotiated but never sent */
    private readonly withheld?: Kind;
    /** the channel of timed data, once the player opened one */
    private dataOut?: PeerDataChannel;
    metaChoice: MetaChoice = 'auto';

    constructor(
        registry: StreamRegistry,
        stream: Stream,
        channel: Channel,
        initial?: { audio?: unknown; video?: unknown; withhold?: Kind },
    ) {
        super(registry, stream, channel);
        this.audioChoice = parseChoice(initial?.audio) ?? 'auto';
        this.videoChoice = parseChoice(initial?.video) ?? 'auto';
        this.withheld = initial?.withhold;
        stream.players.add(this);
    }

    async answer(offerSdp: string, info: OfferInfo): Promise<string> {
        const ok = await this.stream.waitPublisher(this.registry.config.playWaitMs, this.abortWait);
        if (this.closed) throw new SignalError('session closed', 410);
        if (!ok || !this.stream.publisher) throw new SignalError('Stream open failed', 404);
        const { choice, kinds, audio, video, inactive, idle } = this.chooseCodecs(info);
        if (!kinds.length) throw new SignalError('No codec in common with the stream', 400);
        const munged = mungeOffer(offerSdp, choice, [], inactive);
        const pc = createPeer({ audio, video, extensions: [], onStun: () => this.seen(), linkUp: () => this.linkUp() });
        this.watchPc(pc);
        // the link to the player: lossless unless the fault switch says otherwise
        const hooks = this.registry.config.hooks;
        const deliver = () => hooks.deliverToPlayer(this.stream.name);
        for (const kind of kinds) {
            const { sender } = pc.addTransceiver(kind, { direction: 'sendonly' });
            sender.onRtcp.subscribe((rtcp) => this.onPlayerRtcp(rtcp));
            // withheld: the m-line is answered, nothing is ever sent on it
            if (kind === this.withheld) continue;
            if (kind === 'audio') {
                this.audioOut = new Outbound(senderSink(sender), audio!.clockRate, deliver);
            } else {
                const out = new Outbound(senderSink(sender), video!.clockRate, deliver);
                sender.onGenericNack.subscribe((nack) => {
                    const resent = out.nack(nack.lost, Date.now());
                    if (resent) this.log('debug', `${this.label}: NACK of ${nack.lost.length}, ${resent} resent`);
                });
                this.video = new VideoForwarder(out, (t, urgent) => this.stream.publisher?.requestKeyframe(t, urgent));
            }
        }
        for (const kind of idle) pc.addTransceiver(kind, { direction: 'inactive' });
        const sdp = await this.negotiate(pc, munged);
        this.every(1000, () => this.sendTime());
        return sdp;
    }

    /** The player's payload type for each of the stream's codecs (its first audio and video sections). */
    private chooseCodecs(info: OfferInfo) {
        const source = { audio: this.stream.audio?.codec, video: this.stream.videos[0]?.codec };
        const picked: { audio?: OfferCodec; video?: OfferCodec } = {};
        const choice = new Map<number, number | undefined>();
        const kinds: Kind[] = [];
        // Offered kinds the stream has no track of: answered inactive rather than rejected, so that
        // the BUNDLE tag (the offer's first section, usually audio) stays: Chromium refuses an
        // answer that rejects it ("Failed to setup RTCP mux"), e.g. for a video-only stream.
        const inactive = new Set<number>();
        const idle: Kind[] = [];
        for (const m of info.media) {
            if (m.kind !== 'audio' && m.kind !== 'video') continue;
            const from = source[m.kind];
            const wanted = !m.rejected && m.direction !== 'sendonly' && m.direction !== 'inactive';
            if (wanted && !from && m.codecs[0] && !picked[m.kind]) {
                // werift answers a kind only with a codec and a transceiver of it (added inactive).
                choice.set(m.index, m.codecs[0].pt);
                picked[m.kind] = m.codecs[0];
                inactive.add(m.index);
                idle.push(m.kind);
                continue;
            }
            const c = wanted && from && !picked[m.kind] ? pickPlayCodec(m, from) : undefined;
            choice.set(m.index, c?.pt);
            if (!c) continue;
            picked[m.kind] = c;
            kinds.push(m.kind);
        }
        return { choice, kinds, inactive, idle, ...picked };
    }

    /** the layer the current choice designates (auto: the largest live layer) */
    private resolveVideo(): Track | undefined {
        const videos = this.stream.videos;
        if (this.videoChoice === 'none') return undefined;
        if (typeof this.videoChoice === 'number') {
            const t = videos.find((v) => v.index === this.videoChoice);
            if (t) return t;
        }
        const live = videos.filter((v) => !v.dropped && v.stats.packets > 0);
        const pool = live.length ? live : videos;
        return [...pool].sort((a, b) => (b.width ?? 0) * (b.height ?? 0) - (a.width ?? 0) * (a.height ?? 0))[0];
    }

    private resolveAudio(): Track | undefined {
        if (this.audioChoice === 'none') return undefined;
        const a = this.stream.audio;
        return typeof this.audioChoice === 'number' && a?.index !== this.audioChoice ? undefined : a;
    }

    protected override onConnected(): void {
        this.sendTime();
        this.every(250, () => {
            // a keyframe request can be swallowed by the encoder's own rate limit: repeat it
            const pending = this.video?.pending;
            if (pending && !this.paused) this.stream.publisher?.requestKeyframe(pending);
        });
        if (!this.paused) this.switchVideo(this.resolveVideo());
    }

    private switchVideo(target: Track | undefined): void {
        if (!this.video) return;
        if (target) {
            this.log(
                'debug',
                `${this.label}: +${Date.now() - this.createdAt} ms start track ${target.index}, GOP ${target.gop.size} packets`,
            );
        }
        this.video.switchTo(target, Date.now());
    }

    /** A packet from the publisher; `key` = it starts a keyframe. */
    onPacket(track: Track, rtp: RtpPacket, key: boolean): void {
        if (!this.connected || this.closed || this.paused) return;
        const now = Date.now();
        if (track.kind === 'video') {
            this.video?.onPacket(track, rtp, key, now);
            return;
        }
        if (!this.audioOut || track !== this.resolveAudio()) return;
        if (this.audioResync) {
            this.audioOut.restart(AUDIO_RESYNC_TICKS);
            this.audioResync = false;
        }
        this.audioOut.send(rtp, now);
    }

    /** The player's channel of timed data (the first `JSON`/`subtitle`/`*` one). */
    protected override onDataChannel(channel: PeerDataChannel): void {
        if (!isDataChannelFor(channel) || this.dataOut) return super.onDataChannel(channel);
        this.dataOut = channel;
    }

    /** An item of the stream's timed data: sent on the data channel when its track is chosen (and not paused). */
    onData(item: TimedItem): void {
        const out = this.dataOut;
        const choice = this.metaChoice;
        if (!out || this.paused || choice === 'none') return;
        if (Array.isArray(choice) && !choice.includes(item.track)) return;
        sendText(out, JSON.stringify(item));
    }

    private onPlayerRtcp(rtcp: RtcpPacket): void {
        this.seen();
        if (rtcp.type !== RtcpPayloadSpecificFeedback.type) return;
        const count = rtcp.feedback.count;
        if (count !== PLI && count !== FIR) return;
        this.log('debug', `${this.label}: ${count === FIR ? 'FIR' : 'PLI'} from player`);
        if (!this.paused) this.video?.pictureLost(Date.now());
    }

    /** switch the sent video to the current choice */
    private applyVideoChoice(): void {
        const target = this.resolveVideo();
        if (!this.video) return;
        if (!target) this.video.stop();
        else if (target !== this.video.current || this.video.pending) this.switchVideo(target);
    }

    currentTracks(): number[] {
        const out: number[] = [];
        const a = this.resolveAudio();
        if (a && this.audioOut) out.push(a.index);
        if (this.video) {
            const v = this.video.pending ?? this.video.current ?? (this.connected ? undefined : this.resolveVideo());
            if (v) out.push(v.index);
        }
        return out;
    }

    sendTime(): void {
        const now = Date.now();
        const current = this.stream.current;
        const oldestGop = Math.max(0, ...this.stream.videos.map((v) => now - (v.gop.startedAt || now)));
        this.send({
            type: 'on_time',
            data: {
                begin: Math.max(0, current - oldestGop),
                current,
                end: current,
                next: current + 1000,
                tracks: this.currentTracks(),
                play_rate_curr: this.playRate,
                jitter: Math.round(Math.max(0, ...this.stream.tracks.map((t) => t.stats.jitter))),
                unixoffset: this.stream.beginAt,
                paused: this.paused,
            },
        });
    }

    override command(msg: Record<string, unknown>): boolean {
        switch (msg.type) {
            case 'tracks': {
                const a = parseChoice(msg.audio);
                const v = parseChoice(msg.video);
                const meta = parseMetaChoice(msg.meta);
                if (meta !== undefined) this.metaChoice = meta;
                if (a !== undefined) {
                    if (a !== this.audioChoice) this.audioResync = true;
                    this.audioChoice = a;
                }
                if (v !== undefined) {
                    this.videoChoice = v;
                    if (this.connected) this.applyVideoChoice();
                }
                this.sendTime();
                return true;
            }
            case 'hold':
            case 'pause':
                this.paused = true;
                this.send({ type: 'pause', paused: true });
                return true;
            case 'play':
                if (this.paused) {
                    this.paused = false;
                    this.audioResync = true;
                    if (this.connected) this.switchVideo(this.video?.current ?? this.resolveVideo());
                }
                this.sendTime();
                return true;
            case 'set_speed': {
                const prev = this.playRate;
                const r = Number(msg.play_rate);
                this.playRate = msg.play_rate === 'auto' || !Number.isFinite(r) || r <= 0 ? 'auto' : r;
                this.send({ type: 'set_speed', data: { play_rate_prev: prev, play_rate_curr: this.playRate } });
                return true;
            }
            case 'seek':
                this.send({ type: 'seek', data: { live_point: true, play_rate_curr: this.playRate } });
                return true;
            case 'fast_forward':
                this.send({
                    type: 'set_speed',
                    data: { play_rate_prev: this.playRate, play_rate_curr: this.playRate, live_point: true },
                });
                return true;
        }
        return super.command(msg);
    }

    /** A publisher layer stopped: an automatic choice moves to another live layer. */
    trackDropped(track: Track): void {
        if (!this.connected || this.paused || !this.video) return;
        if (this.video.current !== track && this.video.pending !== track) return;
        if (this.videoChoice !== 'auto') return;
        const next = this.resolveVideo();
        if (next && next !== track) this.switchVideo(next);
    }

    /** The publisher left: tell the player and end the session. */
    publisherGone(end: number): void {
        this.send({ type: 'on_stop', data: { begin: 0, current: end, end } });
        this.close();
        this.channel.close();
    }

    protected cleanup(): void {
        this.abortWait.aborted = true;
        this.abortWait.onAbort?.();
        this.stream.players.delete(this);
    }
}
