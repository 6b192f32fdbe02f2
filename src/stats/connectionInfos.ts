import { finite } from '../core/numbers';

/**
 * Per-kind inbound (player) statistics, from the `inbound-rtp` entry of that kind. Counters are
 * cumulative since the peer connection was created; rates cover the interval since the previous
 * sample (0 on the first one).
 */
export interface InboundInfos {
    /** Received bitrate over the last interval, bits per second. */
    bitrate: number;
    /** Packets received since the session started (cumulative). */
    packetsReceived: number;
    /** Packets lost since the session started (cumulative, never negative). */
    packetsLost: number;
    /** Packets lost over the last interval, percent of expected (0–100). */
    lossPercent: number;
    /** Interarrival jitter, seconds. */
    jitter: number;
    /** NACKs (retransmission requests) sent since the session started (cumulative). */
    nackCount: number;
    /** NACKs sent per second over the last interval (always set by the normaliser). */
    nackRate?: number;
    /** Decoded frames per second (video only). */
    framesPerSecond?: number;
    /** Frames decoded since the session started (video only, cumulative). */
    framesDecoded?: number;
    /** Width of the last decoded frame, pixels (video only). */
    frameWidth?: number;
    /** Height of the last decoded frame, pixels (video only). */
    frameHeight?: number;
    /** Video freezes since the session started, as counted by the browser (video only, cumulative). */
    freezeCount?: number;
    /** Video freezes per minute over the last interval (video only). */
    freezesPerMinute?: number;
    /** Total duration of those freezes, seconds (video only, cumulative). */
    totalFreezesDuration?: number;
    /** Average jitter-buffer delay over the last interval, seconds. */
    jitterBufferDelay?: number;
    /** Codec name from the MIME type, upper case (`OPUS`, `VP8`, `H264` …), when the browser reports it. */
    codec?: string;
}

/**
 * Per-kind outbound (publisher) statistics, from the `outbound-rtp` entry of that kind and its
 * `remote-inbound-rtp` report. With simulcast, the layers are summed (bitrate, packets, NACKs,
 * target) and the largest layer gives the frame size and rate.
 */
export interface OutboundInfos {
    /** Sent bitrate over the last interval, bits per second. */
    bitrate: number;
    /** Packets sent since the session started (cumulative). */
    packetsSent: number;
    /** Packets the receiver reported lost (RTCP, cumulative). */
    packetsLost: number;
    /** Fraction lost of the last RTCP report interval, percent (0–100). */
    lossPercent: number;
    /** Interarrival jitter the receiver reported (RTCP), seconds. */
    jitter: number;
    /** NACKs (retransmission requests) received since the session started (cumulative). */
    nackCount: number;
    /** Encoded frames per second (video only). */
    framesPerSecond?: number;
    /** Width of the encoded frames, pixels (video only). */
    frameWidth?: number;
    /** Height of the encoded frames, pixels (video only). */
    frameHeight?: number;
    /** `none`, `cpu`, `bandwidth` or `other`. */
    qualityLimitationReason?: string;
    /** The encoder's configured target, bits per second, where the browser reports it. */
    targetBitrate?: number;
    /** Codec name from the MIME type, upper case (`OPUS`, `VP8`, `H264` …), when the browser reports it. */
    codec?: string;
}

/**
 * Normalised summary of `RTCPeerConnection.getStats()`, as returned by
 * {@link Connector.connectionInfos}. A player fills `inbound`, a publisher `outbound`.
 *
 * @example
 * ```ts
 * const infos = await player.connector?.connectionInfos();
 * const video = infos?.inbound.video;
 * if (video) console.log(`${Math.round(video.bitrate / 1000)} kbps, ${video.lossPercent.toFixed(1)} % lost`);
 * ```
 */
export interface ConnectionInfos {
    /** `performance.now()`-style timestamp of the sample, ms. */
    timestamp: number;
    /** Received media per kind (play sessions); a kind is absent when nothing of it is received. */
    inbound: {
        /** The received audio stream. */
        audio?: InboundInfos;
        /** The received video stream. */
        video?: InboundInfos;
    };
    /** Sent media per kind (publish sessions); a kind is absent when nothing of it is sent. */
    outbound: {
        /** The sent audio stream. */
        audio?: OutboundInfos;
        /** The sent video stream (all simulcast layers together). */
        video?: OutboundInfos;
    };
    /** Round-trip time of the selected candidate pair, seconds. */
    rtt?: number;
    /** Available outgoing bitrate estimated by the browser, bits per second. */
    availableOutgoingBitrate?: number;
    /** Available incoming bitrate estimated by the browser, bits per second. */
    availableIncomingBitrate?: number;
}

/** One entry of a `getStats()` report, as read here: any fields, an id and a type. */
type Stat = Record<string, unknown> & { id: string; type: string };

/** The previous sample, read and then replaced by {@link normalizeStats}. @internal */
export interface StatsSample {
    /** When it was taken, ms. */
    timestamp?: number;
    /** Its raw stats. */
    stats?: Stat[];
}

/** A counter's value in an entry, 0 when absent. */
function count(stat: Stat | undefined, key: string): number {
    return finite(stat?.[key]) ?? 0;
}

/**
 * How the counters of one RTP entry moved since the previous sample: `growth` since then (its
 * total on the first sample), `perSecond` over the interval (0 without a previous sample, or when
 * the counter went down: a new receiver).
 */
class Interval {
    constructor(
        private readonly stat: Stat,
        private readonly previous: Stat | undefined,
        /** The interval, ms (NaN without a previous sample). */
        private readonly ms: number,
    ) {}

    growth(key: string): number {
        return count(this.stat, key) - count(this.previous, key);
    }

    perSecond(key: string, scale = 1): number {
        const now = finite(this.stat[key]);
        const before = finite(this.previous?.[key]);
        if (!(this.ms > 0) || now === undefined || before === undefined) return 0;
        return (Math.max(0, now - before) * scale * 1000) / this.ms;
    }
}

/** A percentage clamped to 0–100 (0 for NaN). */
function percent(fraction: number): number {
    return Math.max(0, Math.min(100, fraction * 100 || 0));
}

/** The codec name of an RTP entry, from its codec entry's MIME type (`video/VP8` → `VP8`). */
function codecOf(stat: Stat, stats: Stat[]): string | undefined {
    const mimeType = stats.find((s) => s.id === stat.codecId)?.mimeType;
    return typeof mimeType === 'string' ? mimeType.split('/')[1]?.toUpperCase() : undefined;
}

/** An `inbound-rtp` entry of a player. */
function readInbound(stat: Stat, interval: Interval, previous: Stat | undefined, stats: Stat[]): InboundInfos {
    const video = stat.kind === 'video' || stat.mediaType === 'video';
    const packetsLost = Math.max(0, count(stat, 'packetsLost'));
    // Loss over the interval: lost ÷ expected, where expected = received + lost.
    const lostInInterval = packetsLost - Math.max(0, count(previous, 'packetsLost'));
    const expected = interval.growth('packetsReceived') + lostInInterval;
    const infos: InboundInfos = {
        bitrate: Math.round(interval.perSecond('bytesReceived', 8)),
        packetsReceived: count(stat, 'packetsReceived'),
        packetsLost,
        lossPercent: expected > 0 ? percent(lostInInterval / expected) : 0,
        jitter: count(stat, 'jitter'),
        nackCount: count(stat, 'nackCount'),
        nackRate: interval.perSecond('nackCount'),
        codec: codecOf(stat, stats),
    };
    if (video) {
        infos.framesPerSecond = count(stat, 'framesPerSecond');
        infos.frameWidth = count(stat, 'frameWidth');
        infos.frameHeight = count(stat, 'frameHeight');
        infos.framesDecoded = count(stat, 'framesDecoded');
        infos.freezeCount = count(stat, 'freezeCount');
        infos.totalFreezesDuration = count(stat, 'totalFreezesDuration');
        infos.freezesPerMinute = interval.perSecond('freezeCount', 60);
    }
    const delay = finite(stat.jitterBufferDelay);
    const emitted = finite(stat.jitterBufferEmittedCount);
    if (delay !== undefined && emitted !== undefined) {
        // The average over the interval; without frames in it, since the start.
        const emittedInInterval = interval.growth('jitterBufferEmittedCount');
        infos.jitterBufferDelay =
            emittedInInterval > 0
                ? interval.growth('jitterBufferDelay') / emittedInInterval
                : emitted && delay / emitted;
    }
    return infos;
}

/** An `outbound-rtp` entry of a publisher; its loss and jitter come from the receiver's RTCP report. */
function readOutbound(stat: Stat, interval: Interval, stats: Stat[]): OutboundInfos {
    const video = stat.kind === 'video' || stat.mediaType === 'video';
    const remote = stats.find((s) => s.localId === stat.id);
    const infos: OutboundInfos = {
        bitrate: Math.round(interval.perSecond('bytesSent', 8)),
        packetsSent: count(stat, 'packetsSent'),
        packetsLost: Math.max(0, count(remote, 'packetsLost')),
        lossPercent: percent(finite(remote?.fractionLost) ?? 0),
        jitter: count(remote, 'jitter'),
        nackCount: count(stat, 'nackCount'),
        codec: codecOf(stat, stats),
    };
    if (video) {
        infos.framesPerSecond = count(stat, 'framesPerSecond');
        infos.frameWidth = count(stat, 'frameWidth');
        infos.frameHeight = count(stat, 'frameHeight');
        infos.qualityLimitationReason =
            typeof stat.qualityLimitationReason === 'string' ? stat.qualityLimitationReason : undefined;
        infos.targetBitrate = finite(stat.targetBitrate);
    }
    return infos;
}

/** Adds a simulcast layer to the video sent so far: counters summed, the largest frame kept. */
function addLayer(total: OutboundInfos, layer: OutboundInfos): void {
    total.bitrate += layer.bitrate;
    total.packetsSent += layer.packetsSent;
    total.packetsLost += layer.packetsLost;
    total.nackCount += layer.nackCount;
    if (layer.targetBitrate !== undefined) total.targetBitrate = (total.targetBitrate ?? 0) + layer.targetBitrate;
    total.lossPercent = Math.max(total.lossPercent, layer.lossPercent);
    if ((layer.frameWidth ?? 0) > (total.frameWidth ?? 0)) {
        total.frameWidth = layer.frameWidth;
        total.frameHeight = layer.frameHeight;
        total.framesPerSecond = layer.framesPerSecond;
    }
}

/**
 * Normalises a `getStats()` report (an `RTCStatsReport`, any map of stats or a plain array; values
 * that are not stats are skipped); `previous` (the sample before, with its raw stats) gives the
 * interval rates, and is replaced by this sample taken at `now` (ms). The same inputs give the same
 * output.
 */
export function normalizeStats(
    report: RTCStatsReport | { values(): Iterable<unknown> },
    previous: StatsSample,
    now: number,
): ConnectionInfos {
    const stats = [...report.values()].filter(
        (value): value is Stat => typeof (value as Stat | null)?.type === 'string',
    );
    const infos: ConnectionInfos = { timestamp: now, inbound: {}, outbound: {} };
    // NaN without a previous sample: no rates.
    const ms = previous.timestamp === undefined ? NaN : now - previous.timestamp;

    for (const stat of stats) {
        const kind = stat.kind ?? stat.mediaType;
        if (kind !== 'audio' && kind !== 'video') continue;
        const before = previous.stats?.find((s) => s.id === stat.id);
        const interval = new Interval(stat, before, ms);
        if (stat.type === 'inbound-rtp') {
            const received = readInbound(stat, interval, before, stats);
            // Several inbound streams of one kind (rare): keep the one that carries more.
            const existing = infos.inbound[kind];
            if (!existing || existing.packetsReceived < received.packetsReceived) infos.inbound[kind] = received;
        } else if (stat.type === 'outbound-rtp') {
            const sent = readOutbound(stat, interval, stats);
            // Simulcast: one outbound-rtp per layer.
            const existing = infos.outbound[kind];
            if (existing) addLayer(existing, sent);
            else infos.outbound[kind] = sent;
        }
    }

    const transport = stats.find((s) => s.type === 'transport');
    const pair =
        stats.find((s) => s.id === transport?.selectedCandidatePairId) ??
        stats.find((s) => s.type === 'candidate-pair' && (s.selected || s.nominated) && s.state === 'succeeded');
    if (pair) {
        infos.rtt = finite(pair.currentRoundTripTime);
        infos.availableOutgoingBitrate = finite(pair.availableOutgoingBitrate);
        infos.availableIncomingBitrate = finite(pair.availableIncomingBitrate);
    }
    previous.timestamp = now;
    previous.stats = stats;
    return infos;
}
