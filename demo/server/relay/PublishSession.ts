/**
 * A publish: werift receives one browser's RTP, the relay counts it, caches each video layer's
 * GOP and hands every packet to the stream's players. A data channel the publisher opens (any
 * label but `MistControl`) becomes a data track of the stream: each JSON text on it is one item,
 * stamped with the stream's media time and relayed to the players. Towards the publisher it sends
 * keyframe requests (spaced, see {@link KeyframeRequester}), REMB with the bitrate it wants, and
 * once a second `on_media_receive` with what it got.
 */
import type { MediaStreamTrack, RTCRtpTransceiver, RtcpPacket, RtpPacket } from 'werift';
import { buildPli, buildRemb } from '../rtp/feedback.ts';
import { pickPublishCodec } from '../sdp/codecs.ts';
import { EXT_MID, EXT_RID, mungeOffer } from '../sdp/munge.ts';
import type { OfferCodec, OfferInfo } from '../sdp/offer.ts';
import { onText, type PeerDataChannel } from './dataChannels.ts';
import type { DataTrack } from './DataTrack.ts';
import { KeyframeRequester } from './KeyframeRequester.ts';
import { createPeer } from './peer.ts';
import { Session, type Channel } from './Session.ts';
import { SignalError } from './SignalError.ts';
import type { Stream } from './Stream.ts';
import type { StreamRegistry } from './StreamRegistry.ts';
import { Track } from './Track.ts';

/** A layer without packets this long is reported dropped (`on_track_drop`). */
const TRACK_DROP_MS = 3000;
/** `video_bitrate` is clamped to this range (bps). */
const MIN_VIDEO_BITRATE = 30_000;
const MAX_VIDEO_BITRATE = 50_000_000;
/** `keyframe_interval` below this is raised to it (MistServer does the same). */
const MIN_KEYFRAME_INTERVAL_MS = 500;
/** Data tracks one publisher may open; further data channels are closed. */
const MAX_DATA_TRACKS = 4;

export class PublishSession extends Session {
    readonly role = 'publish';
    videoBitrate: number;
    /** set by the `keyframe_interval` command; 0 = the server's default */
    keyframeIntervalMs = 0;
    private readonly keyframes = new KeyframeRequester<Track>((t) => this.sendRtcp(buildPli(t.ssrc!)));
    /** werift tracks already wired (it may announce one through two events) */
    private readonly attached = new WeakSet<MediaStreamTrack>();
    private nackCount = 0;
    private readonly startedAt = Date.now();

    constructor(registry: StreamRegistry, stream: Stream, channel: Channel) {
        super(registry, stream, channel);
        this.videoBitrate = registry.config.defaultVideoBitrate;
    }

    async answer(offerSdp: string, info: OfferInfo): Promise<string> {
        const stream = this.stream;
        if (stream.publisher && stream.publisher !== this) {
            throw new SignalError('Stream is already being published', 409);
        }
        const { choice, tracks, audio, video } = chooseTracks(info);
        if (!tracks.length) throw new SignalError('No supported codec in offer', 400);
        const munged = mungeOffer(offerSdp, choice, [EXT_MID, EXT_RID]);
        const pc = createPeer({
            audio,
            video,
            extensions: [EXT_MID, EXT_RID],
            onStun: () => this.seen(),
            linkUp: () => this.linkUp(),
        });
        this.watchPc(pc);
        // claim the name before the (async) negotiation so a concurrent second publisher is refused
        stream.setPublisher(this);
        stream.tracks = tracks;
        const attach = (track: MediaStreamTrack, tr: RTCRtpTransceiver) => {
            if (this.attached.has(track)) return;
            const own = tracks.find(
                (t) => t.mid === tr.mid && t.kind === track.kind && (t.rid ?? '') === (track.rid ?? ''),
            );
            if (!own) {
                this.log('warn', `${this.label}: unexpected track mid=${tr.mid} rid=${track.rid}`);
                return;
            }
            this.attached.add(track);
            track.onReceiveRtp.subscribe((rtp) => this.onRtp(own, rtp));
        };
        pc.onRemoteTransceiverAdded.subscribe((tr) => {
            tr.onTrack.subscribe((track) => attach(track, tr));
            tr.receiver.onPacketLost.subscribe(() => this.nackCount++);
        });
        pc.onTrack.subscribe((track) => {
            const tr = pc
                .getTransceivers()
                .find((t) => t.receiver.tracks.includes(track) || t.receiver.track === track);
            if (tr) attach(track, tr);
        });
        const sdp = await this.negotiate(pc, munged);
        this.every(1000, () => this.tick());
        this.every(250, () => this.keyframeTimer());
        return sdp;
    }

    protected override onConnected(): void {
        this.sendRemb();
    }

    /**
     * A data channel of the publisher: each JSON text on it is one item of a data track of the
     * stream, made at the first item (a channel that carries nothing adds no track, as on
     * MistServer, whose JSON push track appears with its first frame).
     */
    protected override onDataChannel(channel: PeerDataChannel): void {
        const stream = this.stream;
        if (stream.publisher !== this) return channel.close();
        let track: DataTrack | undefined;
        onText(
            channel,
            (text) => {
                if (this.closed || stream.publisher !== this) return;
                let data: unknown;
                try {
                    data = JSON.parse(text);
                } catch {
                    return this.log('debug', `${this.label}: a data item that is no JSON dropped`);
                }
                if (!track) {
                    if (stream.dataTracks.length >= MAX_DATA_TRACKS) return channel.close();
                    track = stream.addDataTrack();
                    this.log('debug', `${this.label}: data track ${track.index} on channel '${channel.label}'`);
                }
                if (!track.admit(Date.now()))
                    return this.log('debug', `${this.label}: data track ${track.index} over its rate`);
                stream.publishData(track, data);
            },
            (why) => this.log('debug', `${this.label}: data ${why} dropped`),
        );
    }

    private onRtp(track: Track, rtp: RtpPacket): void {
        if (this.closed) return;
        this.seen();
        if (!this.registry.config.hooks.acceptFromPublisher(this.stream.name)) return;
        const now = Date.now();
        if (track.ssrc !== rtp.header.ssrc) {
            track.ssrc = rtp.header.ssrc;
            // a layer (re)started: players waiting for it need a keyframe
            if (track.kind === 'video') this.requestKeyframe(track, true);
        }
        const key = track.ingest(rtp, now);
        if (key) this.log('debug', `${this.label}: keyframe track ${track.index} ${track.width}x${track.height}`);
        for (const p of this.stream.players) {
            try {
                p.onPacket(track, rtp, key);
            } catch (e) {
                this.log('error', 'forward failed', e);
            }
        }
    }

    /** Asks for a keyframe of `track` (a PLI), spaced per layer; urgent = someone has nothing to show. */
    requestKeyframe(track: Track, urgent = false): void {
        if (track.kind !== 'video' || track.ssrc === undefined || !this.pc || this.closed) return;
        if (track.dropped && !urgent) return;
        if (this.keyframes.request(track, Date.now(), urgent)) {
            this.log('debug', `${this.label}: PLI track ${track.index}${urgent ? ' (urgent)' : ''}`);
        }
    }

    private sendRtcp(packet: RtcpPacket): void {
        const transport = this.pc?.getTransceivers()[0]?.receiver.dtlsTransport;
        transport?.sendRtcp([packet]).catch(() => undefined);
    }

    private sendRemb(): void {
        if (!this.connected) return;
        const ssrcs = this.stream.videos.map((t) => t.ssrc).filter((s): s is number => s !== undefined);
        if (ssrcs.length) this.sendRtcp(buildRemb(this.videoBitrate, ssrcs));
    }

    /** Keeps each layer's cached GOP short: a keyframe every interval (what players joining get replayed). */
    private keyframeTimer(): void {
        const interval = this.keyframeIntervalMs || this.registry.config.keyframeIntervalMs;
        if (!interval) return;
        const now = Date.now();
        for (const t of this.stream.videos) {
            if (t.dropped || !t.ssrc) continue;
            const last = Math.max(t.gop.startedAt, this.keyframes.lastRequestAt(t));
            if (now - last >= interval) this.requestKeyframe(t);
        }
    }

    private tick(): void {
        const now = Date.now();
        for (const track of this.stream.tracks) {
            track.stats.tick(1000);
            if (!track.dropped && track.stats.packets > 0 && now - track.stats.lastPacketAt > TRACK_DROP_MS) {
                track.dropped = true;
                const msg = { type: 'on_track_drop', track: track.index, mediatype: track.kind };
                this.send(msg);
                for (const p of this.stream.players) {
                    p.send(msg);
                    p.trackDropped(track);
                }
            }
        }
        this.sendRemb();
        this.sendMediaReport(now);
    }

    private sendMediaReport(now: number): void {
        const live = this.stream.tracks.filter((x) => x.stats.packets > 0);
        if (!live.length) return;
        const expected = live.reduce((a, x) => a + x.stats.expected, 0);
        const lost = live.reduce((a, x) => a + x.stats.lost, 0);
        this.send({
            type: 'on_media_receive',
            millis: now - this.startedAt,
            tracks: live.map((x) => x.codec.name),
            stats: {
                jitter_ms: Math.round(Math.max(...live.map((x) => x.stats.jitter)) * 10) / 10,
                loss_num: lost,
                loss_perc: expected ? Math.round((lost * 1000) / expected) / 10 : 0,
                nack_num: this.nackCount,
            },
        });
    }

    override command(msg: Record<string, unknown>): boolean {
        switch (msg.type) {
            case 'video_bitrate': {
                const v = Number(msg.video_bitrate);
                if (!Number.isFinite(v) || v <= 0) {
                    this.send({ type: 'on_error', command: 'video_bitrate', message: 'invalid video_bitrate' });
                    return true;
                }
                this.videoBitrate = Math.round(Math.min(MAX_VIDEO_BITRATE, Math.max(MIN_VIDEO_BITRATE, v)));
                this.sendRemb();
                this.send({
                    type: 'on_video_bitrate',
                    result: true,
                    video_bitrate: this.videoBitrate,
                    video_bitrate_constraint: this.videoBitrate,
                });
                return true;
            }
            case 'keyframe_interval': {
                const v = Number(msg.keyframe_interval_millis);
                if (!Number.isFinite(v) || v <= 0) {
                    this.send({ type: 'on_error', command: 'keyframe_interval', message: 'invalid interval' });
                    return true;
                }
                this.keyframeIntervalMs = Math.max(MIN_KEYFRAME_INTERVAL_MS, Math.round(v));
                this.send({ type: 'on_keyframe_interval', result: this.keyframeIntervalMs });
                return true;
            }
        }
        return super.command(msg);
    }

    protected cleanup(): void {
        const stream = this.stream;
        if (stream.publisher !== this) return;
        const end = stream.current;
        stream.setPublisher(undefined);
        for (const p of [...stream.players]) p.publisherGone(end);
        stream.tracks = [];
        stream.dataTracks = [];
    }
}

/**
 * The tracks a publish offer makes: one codec per kind for the whole stream (players get one
 * peer connection configuration), audio once, every video section and simulcast rid a layer.
 */
function chooseTracks(info: OfferInfo) {
    const choice = new Map<number, number | undefined>();
    const tracks: Track[] = [];
    let audio: OfferCodec | undefined;
    let video: OfferCodec | undefined;
    let nextVideo = 1;
    for (const m of info.media) {
        if (m.kind !== 'audio' && m.kind !== 'video') continue;
        const c = m.rejected ? undefined : pickPublishCodec(m);
        const sameKind = m.kind === 'audio' ? audio : video;
        const ok = c && (!sameKind || sameKind.name === c.name) && !(m.kind === 'audio' && audio);
        choice.set(m.index, ok ? c.pt : undefined);
        if (!ok) continue;
        if (m.kind === 'audio') {
            audio = c;
            tracks.push(new Track(0, 'audio', c, m.mid));
        } else {
            video = c;
            for (const rid of m.rids.length ? m.rids : [undefined])
                tracks.push(new Track(nextVideo++, 'video', c, m.mid, rid));
        }
    }
    return { choice, tracks, audio, video };
}
