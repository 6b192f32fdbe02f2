/**
 * One incoming media track of a publish: audio, or one video layer (a simulcast rid gets its own
 * track). Its index is what players and /streams call it.
 */
import type { RtpPacket } from 'werift';
import { GopCache } from '../rtp/GopCache.ts';
import { keyframeDetector, type KeyframeInfo } from '../rtp/keyframes.ts';
import { TrackStats } from '../rtp/TrackStats.ts';
import type { Kind, OfferCodec } from '../sdp/offer.ts';

export class Track {
    readonly id: string;
    /** the SSRC the publisher sends this track with (learnt from its packets) */
    ssrc?: number;
    width?: number;
    height?: number;
    /** no packet for a while: the publisher stopped the layer (Chrome does under low bandwidth) */
    dropped = false;
    readonly stats: TrackStats;
    readonly gop = new GopCache();
    private readonly detectKeyframe: (payload: Buffer) => KeyframeInfo | undefined;

    constructor(
        readonly index: number,
        readonly kind: Kind,
        readonly codec: OfferCodec,
        readonly mid: string,
        readonly rid?: string,
    ) {
        this.id = rid ? `${kind}-${mid}-${rid}` : `${kind}-${mid}`;
        this.stats = new TrackStats(codec.clockRate);
        this.detectKeyframe = keyframeDetector(kind === 'video' ? codec.name : '');
    }

    /** Accounts for one received packet; true when it starts a new keyframe (the newest frame). */
    ingest(p: RtpPacket, now: number): boolean {
        const newest = this.stats.record(p, now);
        this.dropped = false;
        if (this.kind !== 'video') return false;
        let key = false;
        // a reordered packet of an older frame never starts a GOP
        const info = newest && p.payload.length ? this.detectKeyframe(p.payload) : undefined;
        if (info) {
            if (info.width) this.width = info.width;
            if (info.height) this.height = info.height;
            key = this.gop.keyframe(p.header.timestamp, now);
        }
        this.gop.add(p);
        return key;
    }

    info() {
        return {
            index: this.index,
            id: this.id,
            kind: this.kind,
            codec: this.codec.name,
            ...(this.rid ? { rid: this.rid } : {}),
            ...(this.width ? { width: this.width, height: this.height } : {}),
            bitrate: this.stats.bitrate,
            packets: this.stats.packets,
            active: !this.dropped && this.stats.packets > 0,
        };
    }
}
