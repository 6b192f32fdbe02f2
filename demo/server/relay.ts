/**
 * The media relay: streams by name, publish sessions (werift receives RTP from one browser) and play
 * sessions (werift forwards that RTP to other browsers), no transcoding.
 */
import {
    PictureLossIndication,
    ReceiverEstimatedMaxBitrate,
    RTCPeerConnection,
    RTCRtpCodecParameters,
    RtcpPayloadSpecificFeedback,
    type MediaStreamTrack,
    type RTCRtpSender,
    type RTCRtpTransceiver,
    type RtcpPacket,
    type RtpPacket,
} from 'werift';
import { keyframeDetector } from './codecs.ts';
import {
    analyzeOffer,
    EXT_MID,
    EXT_RID,
    fixAnswer,
    mungeOffer,
    pickPlayCodec,
    pickPublishCodec,
    type Kind,
    type OfferCodec,
    type OfferInfo,
} from './sdp.ts';

export type Log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, extra?: unknown) => void;

export interface RelayConfig {
    /** how long a play session waits for a publisher before giving up */
    playWaitMs: number;
    /** server-side keyframe request interval bounding the cached GOP (0 = never) */
    keyframeIntervalMs: number;
    /** REMB value before any `video_bitrate` command */
    defaultVideoBitrate: number;
    /** a connected peer silent (no STUN, RTP or RTCP) this long is gone; also the connect timeout */
    peerTimeoutMs: number;
    log: Log;
}

/** What a session sends to its client; a WHIP/WHEP session has no channel (send is a no-op). */
export interface Channel {
    send(msg: Record<string, unknown>): void;
    close(): void;
}

export class SignalError extends Error {
    constructor(
        message: string,
        readonly status: number,
    ) {
        super(message);
    }
}

const now = () => Date.now();
const u32 = (n: number) => n >>> 0;
const seqNewer = (a: number, b: number) => a !== b && ((a - b) & 0xffff) < 0x8000;

/** The RTCPeerConnection configuration every session uses: loopback only, ICE-lite, nothing public. */
function peerConfig(
    codecs: { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] },
    ext: string[],
    onStun: () => void,
) {
    const exts = ext.map((uri, i) => ({ id: i + 1, uri }));
    return {
        // called for every STUN request (consent checks): our liveness signal for the peer
        iceFilterStunResponse: () => {
            onStun();
            return true;
        },
        iceServers: [],
        iceLite: true,
        iceUseIpv4: false,
        iceUseIpv6: false,
        iceUseTcp: false,
        iceTcpPassive: false,
        iceAdditionalHostAddresses: ['127.0.0.1'],
        iceInterfaceAddresses: { udp4: '127.0.0.1' },
        bundlePolicy: 'max-bundle' as const,
        codecs,
        headerExtensions: { audio: exts, video: exts },
    };
}

function toWerift(kind: Kind, c: OfferCodec): RTCRtpCodecParameters {
    return new RTCRtpCodecParameters({
        mimeType: `${kind}/${c.name}`,
        clockRate: c.clockRate,
        ...(c.channels ? { channels: c.channels } : {}),
        ...(c.fmtp ? { parameters: c.fmtp } : {}),
        rtcpFeedback:
            kind === 'video'
                ? [
                      { type: 'nack' },
                      { type: 'nack', parameter: 'pli' },
                      { type: 'ccm', parameter: 'fir' },
                      { type: 'goog-remb' },
                  ]
                : [],
        payloadType: c.pt,
    });
}

/** Answer an offer with werift: SRD(munged) → answer → SLD → wait for gathering → fixed SDP. */
async function negotiate(pc: RTCPeerConnection, offer: string, log?: Log): Promise<string> {
    const t0 = performance.now();
    await pc.setRemoteDescription({ type: 'offer', sdp: offer });
    const t1 = performance.now();
    const answer = await pc.createAnswer();
    // DTLS server role: a=setup:passive (werift applies the role from the local description)
    const sdp = answer.sdp.replace(/^a=setup:(active|actpass)/gm, 'a=setup:passive');
    await pc.setLocalDescription({ type: 'answer', sdp });
    if (pc.iceGatheringState !== 'complete') {
        await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 3000);
            pc.iceGatheringStateChange.subscribe((s) => {
                if (s === 'complete') {
                    clearTimeout(t);
                    resolve();
                }
            });
        });
    }
    const t2 = performance.now();
    log?.('debug', `negotiate: SRD ${Math.round(t1 - t0)} ms, answer+SLD+gather ${Math.round(t2 - t1)} ms`);
    const final = fixAnswer(pc.localDescription!.sdp);
    if (!/^a=candidate:/m.test(final)) throw new SignalError('no loopback ICE candidate gathered', 500);
    return final;
}

// ---------------------------------------------------------------------------------------------

export class Track {
    readonly id: string;
    ssrc?: number;
    width?: number;
    height?: number;
    bitrate = 0;
    packets = 0;
    lastPacketAt = 0;
    dropped = false;
    /** packets since the last keyframe start, in arrival order */
    gop: RtpPacket[] = [];
    gopStartAt = 0;
    private gopTs?: number;
    private bytesWindow = 0;
    private maxSeq?: number;
    private cycles = 0;
    private baseSeq?: number;
    received = 0;
    private lastExpected = 0;
    private lastReceived = 0;
    lossPercent = 0;
    jitter = 0; // ms
    private lastTransit?: number;
    nacks = 0;
    readonly isKey: (p: Buffer) => { width?: number; height?: number } | undefined;

    constructor(
        readonly index: number,
        readonly kind: Kind,
        readonly codec: OfferCodec,
        readonly mid: string,
        readonly rid?: string,
    ) {
        this.id = rid ? `${kind}-${mid}-${rid}` : `${kind}-${mid}`;
        this.isKey = keyframeDetector(kind === 'video' ? codec.name : '');
    }

    /** Account for one received packet; returns true when it starts a keyframe (newest frame). */
    ingest(p: RtpPacket): boolean {
        const t = now();
        const { sequenceNumber: seq, timestamp } = p.header;
        this.packets++;
        this.received++;
        this.lastPacketAt = t;
        this.dropped = false;
        this.bytesWindow += p.payload.length + 12;
        let newest = false;
        if (this.maxSeq === undefined) {
            this.maxSeq = seq;
            this.baseSeq = seq;
            newest = true;
        } else if (seqNewer(seq, this.maxSeq)) {
            if (seq < this.maxSeq) this.cycles += 0x10000;
            this.maxSeq = seq;
            newest = true;
        }
        // RFC 3550 interarrival jitter
        const transit = (t * this.codec.clockRate) / 1000 - timestamp;
        if (this.lastTransit !== undefined) {
            let d = Math.abs(transit - this.lastTransit);
            if (d > 0x7fffffff) d = 0;
            this.jitter += ((d * 1000) / this.codec.clockRate - this.jitter) / 16;
        }
        this.lastTransit = transit;
        if (this.kind !== 'video') return false;
        let key = false;
        if (newest && p.payload.length) {
            const info = this.isKey(p.payload);
            if (info) {
                if (info.width) this.width = info.width;
                if (info.height) this.height = info.height;
                if (timestamp !== this.gopTs) {
                    key = true;
                    this.gopTs = timestamp;
                    this.gop = [];
                    this.gopStartAt = t;
                }
            }
        }
        if (this.gopTs !== undefined) {
            if (this.gop.length < 5000) this.gop.push(p);
            else {
                this.gop = [];
                this.gopTs = undefined;
            }
        }
        return key;
    }

    /** Once a second: bitrate and loss over the last interval. */
    tick(intervalMs: number): void {
        this.bitrate = Math.round((this.bytesWindow * 8 * 1000) / intervalMs);
        this.bytesWindow = 0;
        const expected = this.maxSeq === undefined ? 0 : this.cycles + this.maxSeq - this.baseSeq! + 1;
        const de = expected - this.lastExpected;
        const dr = this.received - this.lastReceived;
        this.lossPercent = de > 0 ? Math.max(0, Math.round(((de - dr) * 1000) / de) / 10) : 0;
        this.lastExpected = expected;
        this.lastReceived = this.received;
    }

    get lost(): number {
        const expected = this.maxSeq === undefined ? 0 : this.cycles + this.maxSeq - this.baseSeq! + 1;
        return Math.max(0, expected - this.received);
    }

    info() {
        return {
            index: this.index,
            id: this.id,
            kind: this.kind,
            codec: this.codec.name,
            ...(this.rid ? { rid: this.rid } : {}),
            ...(this.width ? { width: this.width, height: this.height } : {}),
            bitrate: this.bitrate,
            packets: this.packets,
            active: !this.dropped && this.packets > 0,
        };
    }
}

export class Stream {
    publisher?: PublishSession;
    tracks: Track[] = [];
    readonly players = new Set<PlaySession>();
    private readonly waiters = new Set<() => void>();
    /** fault switch: percentage of forwarded packets dropped towards players */
    loss = 0;
    /** fault switch: percentage of the publisher's packets dropped on arrival (a lossy uplink) */
    ingestLoss = 0;
    beginAt = now();

    constructor(readonly name: string) {}

    get audio(): Track | undefined {
        return this.tracks.find((t) => t.kind === 'audio');
    }
    get videos(): Track[] {
        return this.tracks.filter((t) => t.kind === 'video');
    }

    /** Resolves true when a publisher is present (now or within ms), false on timeout or abort. */
    waitPublisher(ms: number, signal: { aborted: boolean; onAbort?: () => void }): Promise<boolean> {
        if (this.publisher) return Promise.resolve(true);
        return new Promise((resolve) => {
            const done = (v: boolean) => {
                clearTimeout(timer);
                this.waiters.delete(wake);
                resolve(v);
            };
            const wake = () => done(!!this.publisher);
            const timer = setTimeout(() => done(false), ms);
            this.waiters.add(wake);
            signal.onAbort = () => done(false);
        });
    }

    setPublisher(p: PublishSession | undefined): void {
        this.publisher = p;
        if (p) {
            this.beginAt = now();
            for (const w of [...this.waiters]) w();
        }
    }

    /** live time in ms since the publisher started */
    get current(): number {
        return this.publisher ? now() - this.beginAt : 0;
    }

    /**
     * Stream info in MistServer's `json_<stream>.js` shape (what players of MistServer-compatible
     * servers read to list renditions): `meta.tracks` keyed by name, `idx`, `type`, `codec`,
     * `width`/`height`, `bps` in bytes per second.
     */
    mistInfo() {
        if (!this.publisher) return { error: 'Stream is offline', on_error: 'Stream is offline' };
        const tracks: Record<string, Record<string, unknown>> = {};
        for (const t of this.tracks) {
            if (t.dropped) continue;
            tracks[`${t.kind}_${t.codec.name}_${t.index}`] = {
                idx: t.index,
                trackid: t.index,
                type: t.kind,
                codec: t.codec.name,
                ...(t.width ? { width: t.width, height: t.height } : {}),
                ...(t.bitrate > 0 ? { bps: Math.round(t.bitrate / 8) } : {}),
                ...(t.rid ? { rid: t.rid } : {}),
            };
        }
        return { type: 'live', meta: { live: 1, tracks } };
    }

    info() {
        return {
            name: this.name,
            publisher: !!this.publisher,
            players: this.players.size,
            uptimeMs: this.current,
            tracks: this.tracks.map((t) => t.info()),
        };
    }
}

export class Registry {
    readonly streams = new Map<string, Stream>();
    constructor(readonly config: RelayConfig) {}

    get(name: string): Stream {
        let s = this.streams.get(name);
        if (!s) {
            s = new Stream(name);
            this.streams.set(name, s);
        }
        return s;
    }

    /** forget a stream nobody uses */
    release(s: Stream): void {
        if (!s.publisher && !s.players.size && this.streams.get(s.name) === s) this.streams.delete(s.name);
    }

    list() {
        return [...this.streams.values()].filter((s) => s.publisher || s.players.size).map((s) => s.info());
    }
}

// ---------------------------------------------------------------------------------------------

/** `rtp_props`: numeric (or numeric string) nack/drop ≥ 0 are stored; anything else is ignored. */
export function applyRtpProps(props: { nack: number; drop: number }, msg: Record<string, unknown>): void {
    const num = (v: unknown) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() ? Number(v) : NaN);
    const nack = num(msg.nack);
    const drop = num(msg.drop);
    if (Number.isFinite(nack) && nack >= 0) props.nack = nack;
    if (Number.isFinite(drop) && drop >= 0) props.drop = drop;
}

let sessionCounter = 0;

export abstract class Session {
    readonly id = `${Date.now().toString(36)}${(++sessionCounter).toString(36)}`;
    pc?: RTCPeerConnection;
    closed = false;
    connected = false;
    rtpProps = { nack: 100, drop: 500 };
    protected timers: ReturnType<typeof setInterval>[] = [];
    readonly onClose = new Set<() => void>();
    readonly createdAt = now();
    abstract readonly role: 'publish' | 'play';

    constructor(
        readonly registry: Registry,
        readonly stream: Stream,
        readonly channel: Channel,
    ) {}

    get log(): Log {
        return this.registry.config.log;
    }

    private lastSeen = now();
    seen(): void {
        this.lastSeen = now();
    }

    protected watchPc(pc: RTCPeerConnection): void {
        this.pc = pc;
        const timeout = this.registry.config.peerTimeoutMs;
        this.every(1000, () => {
            const silent = now() - (this.connected ? this.lastSeen : this.createdAt);
            if (silent > (this.connected ? timeout : timeout * 2)) {
                this.log('info', `${this.role} ${this.stream.name} ${this.id}: peer gone (silent ${silent} ms)`);
                this.close();
            }
        });
        pc.connectionStateChange.subscribe((state) => {
            this.log('debug', `${this.role} ${this.stream.name} ${this.id}: pc ${state}`);
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
        const pc = this.pc;
        if (pc) pc.close().catch((e: unknown) => this.log('debug', 'pc.close failed', e));
        for (const cb of this.onClose) {
            try {
                cb();
            } catch (e) {
                this.log('error', 'onClose failed', e);
            }
        }
        this.registry.release(this.stream);
    }

    protected abstract cleanup(): void;
}

// ---------------------------------------------------------------------------------------------

export class PublishSession extends Session {
    readonly role = 'publish';
    videoBitrate: number;
    keyframeIntervalMs = 0;
    private lastPli = new Map<Track, number>();
    private ssrcs = new Set<number>();
    private nackCount = 0;
    private startedAt = now();

    constructor(registry: Registry, stream: Stream, channel: Channel) {
        super(registry, stream, channel);
        this.videoBitrate = registry.config.defaultVideoBitrate;
    }

    async answer(offerSdp: string, info: OfferInfo): Promise<string> {
        const stream = this.stream;
        if (stream.publisher && stream.publisher !== this)
            throw new SignalError('Stream is already being published', 409);
        const choice = new Map<number, number | undefined>();
        const tracks: Track[] = [];
        let audioCodec: OfferCodec | undefined;
        let videoCodec: OfferCodec | undefined;
        let nextVideo = 1;
        for (const m of info.media) {
            if (m.kind !== 'audio' && m.kind !== 'video') continue;
            const c = m.port === 0 ? undefined : pickPublishCodec(m);
            // one codec per kind for the whole stream (players get one pc config)
            const sameKind = m.kind === 'audio' ? audioCodec : videoCodec;
            const ok = c && (!sameKind || sameKind.name === c.name) && !(m.kind === 'audio' && audioCodec);
            choice.set(m.index, ok ? c!.pt : undefined);
            if (!ok) continue;
            if (m.kind === 'audio') {
                audioCodec = c;
                tracks.push(new Track(0, 'audio', c!, m.mid));
            } else {
                videoCodec = c;
                for (const rid of m.rids.length ? m.rids : [undefined]) {
                    tracks.push(new Track(nextVideo++, 'video', c!, m.mid, rid));
                }
            }
        }
        if (!tracks.length) throw new SignalError('No supported codec in offer', 400);
        const munged = mungeOffer(offerSdp, choice, [EXT_MID, EXT_RID]);
        const pc = new RTCPeerConnection(
            peerConfig(
                {
                    audio: audioCodec ? [toWerift('audio', audioCodec)] : [],
                    video: videoCodec ? [toWerift('video', videoCodec)] : [],
                },
                [EXT_MID, EXT_RID],
                () => this.seen(),
            ),
        );
        this.watchPc(pc);
        // claim the name before the (async) negotiation so a concurrent second publisher is refused
        stream.setPublisher(this);
        stream.tracks = tracks;
        const attach = (track: MediaStreamTrack, tr: RTCRtpTransceiver) => {
            const own = tracks.find(
                (t) => t.mid === tr.mid && t.kind === track.kind && (t.rid ?? '') === (track.rid ?? ''),
            );
            if (!own) {
                this.log('warn', `publish ${stream.name}: unexpected track mid=${tr.mid} rid=${track.rid}`);
                return;
            }
            if ((track as { __relay?: boolean }).__relay) return;
            (track as { __relay?: boolean }).__relay = true;
            track.onReceiveRtp.subscribe((rtp) => this.onRtp(own, rtp));
        };
        const watchTransceiver = (tr: RTCRtpTransceiver) => {
            tr.onTrack.subscribe((track) => attach(track, tr));
            tr.receiver.onPacketLost.subscribe(() => this.nackCount++);
        };
        pc.onRemoteTransceiverAdded.subscribe(watchTransceiver);
        pc.onTrack.subscribe((track) => {
            const tr = pc
                .getTransceivers()
                .find((t) => t.receiver.tracks.includes(track) || t.receiver.track === track);
            if (tr) attach(track, tr);
        });
        const sdp = await negotiate(pc, munged, this.log);
        this.every(1000, () => this.tick());
        this.every(250, () => this.keyframeTimer());
        return sdp;
    }

    protected override onConnected(): void {
        this.sendRemb();
    }

    private onRtp(track: Track, rtp: RtpPacket): void {
        if (this.closed) return;
        this.seen();
        // Fault switch: lose packets before anything counts them, as a lossy uplink would.
        if (this.stream.ingestLoss > 0 && Math.random() * 100 < this.stream.ingestLoss) return;
        if (track.ssrc !== rtp.header.ssrc) {
            track.ssrc = rtp.header.ssrc;
            this.ssrcs.add(rtp.header.ssrc);
            if (track.kind === 'video') this.requestKeyframe(track, true);
        }
        const key = track.ingest(rtp);
        if (key)
            this.log(
                'debug',
                `publish ${this.stream.name}: keyframe track ${track.index} ${track.width}x${track.height}`,
            );
        for (const p of this.stream.players) {
            try {
                p.onPacket(track, rtp, key);
            } catch (e) {
                this.log('error', 'forward failed', e);
            }
        }
    }

    /** PLI towards the publisher, at most one per 500 ms per track unless forced. */
    requestKeyframe(track: Track, force = false): void {
        if (track.kind !== 'video' || track.ssrc === undefined || !this.pc || this.closed) return;
        if (track.dropped && !force) return;
        const last = this.lastPli.get(track) ?? 0;
        if (!force && now() - last < 500) return;
        this.lastPli.set(track, now());
        this.log(
            'debug',
            `publish ${this.stream.name}: PLI track ${track.index} ssrc ${track.ssrc}${force ? ' (forced)' : ''}`,
        );
        const transport = this.pc.getTransceivers()[0]?.receiver.dtlsTransport;
        const packet = new RtcpPayloadSpecificFeedback({
            feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: track.ssrc }),
        });
        transport?.sendRtcp([packet]).catch(() => undefined);
    }

    private sendRemb(): void {
        if (!this.pc || !this.connected) return;
        const ssrcs = this.stream.videos.map((t) => t.ssrc).filter((s): s is number => s !== undefined);
        if (!ssrcs.length) return;
        let mantissa = Math.max(1, Math.round(this.videoBitrate));
        let exp = 0;
        while (mantissa > 0x3ffff) {
            mantissa = Math.floor(mantissa / 2);
            exp++;
        }
        const remb = new ReceiverEstimatedMaxBitrate({
            senderSsrc: 1,
            mediaSsrc: 0,
            brExp: exp,
            brMantissa: mantissa,
            bitrate: BigInt(mantissa) << BigInt(exp),
            ssrcNum: ssrcs.length,
            ssrcFeedbacks: ssrcs,
        });
        const transport = this.pc.getTransceivers()[0]?.receiver.dtlsTransport;
        transport?.sendRtcp([new RtcpPayloadSpecificFeedback({ feedback: remb }) as RtcpPacket]).catch(() => undefined);
    }

    private keyframeTimer(): void {
        const interval = this.keyframeIntervalMs || this.registry.config.keyframeIntervalMs;
        if (!interval) return;
        for (const t of this.stream.videos) {
            if (t.dropped || !t.ssrc) continue;
            const last = Math.max(t.gopStartAt, this.lastPli.get(t) ?? 0);
            if (now() - last >= interval) this.requestKeyframe(t);
        }
    }

    private tick(): void {
        const t = now();
        for (const track of this.stream.tracks) {
            track.tick(1000);
            if (!track.dropped && track.packets > 0 && t - track.lastPacketAt > 3000) {
                track.dropped = true;
                const msg = { type: 'on_track_drop', track: track.index, mediatype: track.kind };
                this.channel.send(msg);
                for (const p of this.stream.players) {
                    p.channel.send(msg);
                    p.trackDropped(track);
                }
            }
        }
        this.sendRemb();
        const live = this.stream.tracks.filter((x) => x.packets > 0);
        if (!live.length) return;
        const expected = live.reduce((a, x) => a + x.received + x.lost, 0);
        const lost = live.reduce((a, x) => a + x.lost, 0);
        this.channel.send({
            type: 'on_media_receive',
            millis: t - this.startedAt,
            tracks: live.map((x) => x.codec.name),
            stats: {
                jitter_ms: Math.round(Math.max(...live.map((x) => x.jitter)) * 10) / 10,
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
                    this.channel.send({ type: 'on_error', command: 'video_bitrate', message: 'invalid video_bitrate' });
                    return true;
                }
                this.videoBitrate = Math.round(Math.min(50_000_000, Math.max(30_000, v)));
                this.sendRemb();
                this.channel.send({
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
                    this.channel.send({ type: 'on_error', command: 'keyframe_interval', message: 'invalid interval' });
                    return true;
                }
                this.keyframeIntervalMs = Math.max(500, Math.round(v));
                this.channel.send({ type: 'on_keyframe_interval', result: this.keyframeIntervalMs });
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
    }
}

// ---------------------------------------------------------------------------------------------

type Choice = number | 'auto' | 'none';

function parseChoice(v: unknown): Choice | undefined {
    if (v === undefined || v === null || v === '') return undefined;
    if (v === 'auto' || v === 'none') return v;
    const n = Number(v);
    return Number.isInteger(n) && n >= 0 ? n : undefined;
}

export class PlaySession extends Session {
    readonly role = 'play';
    private audioSender?: RTCRtpSender;
    private videoSender?: RTCRtpSender;
    audioChoice: Choice = 'auto';
    videoChoice: Choice = 'auto';
    /** track being forwarded now, and the one we switch to at its next keyframe */
    private video?: Track;
    private pendingVideo?: Track;
    private audioResync = false;
    private lastVideoSentAt = 0;
    private lastReplayAt = 0;
    paused = false;
    private playRate: number | 'auto' = 'auto';
    private abortWait: { aborted: boolean; onAbort?: () => void } = { aborted: false };

    constructor(registry: Registry, stream: Stream, channel: Channel, initial?: { audio?: unknown; video?: unknown }) {
        super(registry, stream, channel);
        this.audioChoice = parseChoice(initial?.audio) ?? 'auto';
        this.videoChoice = parseChoice(initial?.video) ?? 'auto';
        stream.players.add(this);
    }

    async answer(offerSdp: string, info: OfferInfo): Promise<string> {
        const ok = await this.stream.waitPublisher(this.registry.config.playWaitMs, this.abortWait);
        if (this.closed) throw new SignalError('session closed', 410);
        if (!ok || !this.stream.publisher) throw new SignalError('Stream open failed', 404);
        const audio = this.stream.audio;
        const video = this.stream.videos[0];
        const choice = new Map<number, number | undefined>();
        let audioCodec: OfferCodec | undefined;
        let videoCodec: OfferCodec | undefined;
        const kinds: Kind[] = [];
        for (const m of info.media) {
            if (m.kind !== 'audio' && m.kind !== 'video') continue;
            let c: OfferCodec | undefined;
            if (m.port !== 0 && m.direction !== 'sendonly' && m.direction !== 'inactive') {
                if (m.kind === 'audio' && audio && !audioCodec) c = audioCodec = pickPlayCodec(m, audio.codec);
                if (m.kind === 'video' && video && !videoCodec) c = videoCodec = pickPlayCodec(m, video.codec);
            }
            choice.set(m.index, c?.pt);
            if (c) kinds.push(m.kind);
        }
        if (!kinds.length) throw new SignalError('No codec in common with the stream', 400);
        const munged = mungeOffer(offerSdp, choice, []);
        const pc = new RTCPeerConnection(
            peerConfig(
                {
                    audio: audioCodec ? [toWerift('audio', audioCodec)] : [],
                    video: videoCodec ? [toWerift('video', videoCodec)] : [],
                },
                [],
                () => this.seen(),
            ),
        );
        this.watchPc(pc);
        for (const kind of kinds) {
            const tr = pc.addTransceiver(kind, { direction: 'sendonly' });
            if (kind === 'audio') this.audioSender = tr.sender;
            else this.videoSender = tr.sender;
            tr.sender.onRtcp.subscribe((rtcp) => this.onPlayerRtcp(rtcp));
        }
        const sdp = await negotiate(pc, munged, this.log);
        this.every(1000, () => this.sendTime());
        return sdp;
    }

    /** the track the current choice designates (auto: the largest active layer) */
    private resolveVideo(): Track | undefined {
        const videos = this.stream.videos;
        if (this.videoChoice === 'none') return undefined;
        if (typeof this.videoChoice === 'number') {
            const t = videos.find((v) => v.index === this.videoChoice);
            if (t) return t;
        }
        const live = videos.filter((v) => !v.dropped && v.packets > 0);
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
            if (this.pendingVideo && !this.paused) this.stream.publisher?.requestKeyframe(this.pendingVideo);
        });
        this.video = undefined;
        if (!this.paused) this.switchTo(this.resolveVideo());
    }

    /**
     * Start forwarding `target`: at once by replaying its cached GOP (keyframe and the frames since),
     * else at its next keyframe (requested now). Sequence numbers and timestamps stay continuous.
     */
    private switchTo(target: Track | undefined): void {
        if (!target || !this.videoSender) {
            this.video = undefined;
            this.pendingVideo = undefined;
            return;
        }
        this.log(
            'debug',
            `play ${this.stream.name} ${this.id}: +${now() - this.createdAt} ms start track ${target.index}, GOP ${target.gop.length} packets`,
        );
        if (target.gop.length) this.replayGop(target);
        else this.pendingVideo = target;
        this.stream.publisher?.requestKeyframe(target, !target.gop.length);
    }

    private replayGop(t: Track): void {
        const gop = t.gop.slice();
        const sender = this.videoSender!;
        // compress the replayed frames' timestamps into the last few ms so the player's jitter
        // buffer does not turn the GOP length into latency
        const frames: number[] = [];
        for (const p of gop) if (frames[frames.length - 1] !== p.header.timestamp) frames.push(p.header.timestamp);
        const lastTs = frames[frames.length - 1]!;
        const step = Math.round(t.codec.clockRate / 1000);
        const tsMap = new Map(frames.map((ts, i) => [ts, u32(lastTs - (frames.length - 1 - i) * step)]));
        if (this.lastVideoSentAt) {
            const gap = Math.max(1, Math.round(((now() - this.lastVideoSentAt) * t.codec.clockRate) / 1000));
            sender.replaceRTP(gop[0]!.header, false, gap);
        }
        this.video = t;
        this.pendingVideo = undefined;
        this.lastReplayAt = now();
        for (const p of gop) {
            const c = p.clone();
            c.header.timestamp = tsMap.get(p.header.timestamp) ?? p.header.timestamp;
            c.header.extensions = [];
            c.header.extension = false;
            sender.sendRtp(c).catch(() => undefined);
        }
        this.lastVideoSentAt = now();
    }

    /** A packet from the publisher; `key` = it starts a keyframe. */
    onPacket(track: Track, rtp: RtpPacket, key: boolean): void {
        if (!this.connected || this.closed || this.paused) return;
        if (this.stream.loss > 0 && Math.random() * 100 < this.stream.loss) return;
        if (track.kind === 'audio') {
            if (!this.audioSender || track !== this.resolveAudio()) return;
            if (this.audioResync) {
                this.audioSender.replaceRTP(rtp.header, false, 960);
                this.audioResync = false;
            }
            this.forward(this.audioSender, rtp);
            return;
        }
        if (!this.videoSender) return;
        if (track === this.pendingVideo && key) {
            if (this.video || this.lastVideoSentAt) {
                const gap = Math.max(1, Math.round(((now() - this.lastVideoSentAt) * track.codec.clockRate) / 1000));
                this.videoSender.replaceRTP(rtp.header, false, gap);
            }
            const switched = this.video !== track && this.video !== undefined;
            this.video = track;
            this.pendingVideo = undefined;
            if (switched) this.log('debug', `play ${this.stream.name} ${this.id}: switched to track ${track.index}`);
        }
        if (track !== this.video) return;
        this.forward(this.videoSender, rtp);
        this.lastVideoSentAt = now();
    }

    private forward(sender: RTCRtpSender, rtp: RtpPacket): void {
        const c = rtp.clone();
        c.header.extensions = [];
        c.header.extension = false;
        sender.sendRtp(c).catch(() => undefined);
    }

    private lastFeedback = 0;
    private onPlayerRtcp(rtcp: RtcpPacket): void {
        this.seen();
        if (rtcp.type !== RtcpPayloadSpecificFeedback.type) return;
        const count = (rtcp as RtcpPayloadSpecificFeedback).feedback.count;
        if (count !== PictureLossIndication.count && count !== 4 /* FIR */) return;
        this.log('debug', `play ${this.stream.name} ${this.id}: ${count === 4 ? 'FIR' : 'PLI'} from player`);
        if (now() - this.lastFeedback < 500) return;
        this.lastFeedback = now();
        const t = this.pendingVideo ?? this.video;
        if (!t || this.paused) return;
        // the cached GOP answers at once (e.g. the first replay raced the player's DTLS completion)
        if (t.gop.length && now() - this.lastReplayAt > 1000) this.replayGop(t);
        this.stream.publisher?.requestKeyframe(t);
    }

    /** switch the forwarded video to the current choice (at its next keyframe) */
    private applyVideoChoice(): void {
        const target = this.resolveVideo();
        if (!target) {
            this.video = undefined;
            this.pendingVideo = undefined;
            return;
        }
        if (target === this.video && !this.pendingVideo) return;
        this.switchTo(target);
    }

    currentTracks(): number[] {
        const out: number[] = [];
        const a = this.resolveAudio();
        if (a && this.audioSender) out.push(a.index);
        const v = this.pendingVideo ?? this.video ?? (this.connected ? undefined : this.resolveVideo());
        if (v && this.videoSender) out.push(v.index);
        return out;
    }

    sendTime(): void {
        const current = this.stream.current;
        const begin = Math.max(
            0,
            current - Math.max(0, ...this.stream.videos.map((v) => now() - (v.gopStartAt || now()))),
        );
        this.channel.send({
            type: 'on_time',
            data: {
                begin,
                current,
                end: current,
                next: current + 1000,
                tracks: this.currentTracks(),
                play_rate_curr: this.playRate,
                jitter: Math.round(Math.max(0, ...this.stream.tracks.map((t) => t.jitter))),
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
                this.channel.send({ type: 'pause', paused: true });
                return true;
            case 'play':
                if (this.paused) {
                    this.paused = false;
                    this.audioResync = true;
                    if (this.connected) this.switchTo(this.video ?? this.resolveVideo());
                }
                this.sendTime();
                return true;
            case 'set_speed': {
                const prev = this.playRate;
                const r = Number(msg.play_rate);
                this.playRate = msg.play_rate === 'auto' || !Number.isFinite(r) || r <= 0 ? 'auto' : r;
                this.channel.send({ type: 'set_speed', data: { play_rate_prev: prev, play_rate_curr: this.playRate } });
                return true;
            }
            case 'seek':
                this.channel.send({ type: 'seek', data: { live_point: true, play_rate_curr: this.playRate } });
                return true;
            case 'fast_forward':
                this.channel.send({
                    type: 'set_speed',
                    data: { play_rate_prev: this.playRate, play_rate_curr: this.playRate, live_point: true },
                });
                return true;
        }
        return super.command(msg);
    }

    /** a publisher track stopped: an automatic choice moves to another live layer */
    trackDropped(track: Track): void {
        if (!this.connected || this.paused || (this.video !== track && this.pendingVideo !== track)) return;
        if (this.videoChoice !== 'auto') return;
        const next = this.resolveVideo();
        if (next && next !== track) this.switchTo(next);
    }

    /** the publisher left: tell the player and end the session */
    publisherGone(end: number): void {
        this.channel.send({ type: 'on_stop', data: { begin: 0, current: end, end } });
        this.close();
        this.channel.close();
    }

    protected cleanup(): void {
        this.abortWait.aborted = true;
        this.abortWait.onAbort?.();
        this.stream.players.delete(this);
    }
}

export { analyzeOffer };
