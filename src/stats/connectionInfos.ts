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

type Stat = Record<string, unknown> & { id: string; type: string; timestamp?: number };

const num = (value: unknown): number | undefined =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Collects the entries of an `RTCStatsReport` (or any iterable of `[id, stat]`, or a plain array). */
export function statsEntries(report: RTCStatsReport | Iterable<[string, unknown]> | unknown[]): Stat[] {
    const out: Stat[] = [];
    const push = (value: unknown) => {
        if (value && typeof value === 'object' && typeof (value as Stat).type === 'string') out.push(value as Stat);
    };
    if (Array.isArray(report)) report.forEach(push);
    else if (typeof (report as RTCStatsReport).forEach === 'function') (report as RTCStatsReport).forEach(push);
    else for (const [, value] of report as Iterable<[string, unknown]>) push(value);
    return out;
}

function rate(bytes: number | undefined, prevBytes: number | undefined, dtMs: number): number {
    if (bytes === undefined || prevBytes === undefined || dtMs <= 0 || bytes < prevBytes) return 0;
    return Math.round(((bytes - prevBytes) * 8 * 1000) / dtMs);
}

function kindOf(stat: Stat): 'audio' | 'video' | undefined {
    const kind = str(stat.kind) ?? str(stat.mediaType);
    return kind === 'audio' || kind === 'video' ? kind : undefined;
}

/**
 * Normalises a `getStats()` sample; `previous` (the sample before, with its raw stats) gives the
 * interval rates. Pure: the same inputs give the same output.
 */
export function normalizeStats(
    current: Stat[],
    previous?: { timestamp: number; stats: Stat[] },
    now: number = current.find((s) => typeof s.timestamp === 'number')?.timestamp ?? 0,
): ConnectionInfos {
    const byId = new Map(current.map((s) => [s.id, s]));
    const prevById = new Map(previous?.stats.map((s) => [s.id, s]) ?? []);
    const dt = previous ? now - previous.timestamp : 0;
    const infos: ConnectionInfos = { timestamp: now, inbound: {}, outbound: {} };
    const codecName = (stat: Stat) => {
        const mime = str(byId.get(str(stat.codecId) ?? '')?.mimeType);
        return mime ? mime.split('/')[1]?.toUpperCase() : undefined;
    };

    for (const stat of current) {
        const kind = kindOf(stat);
        if (stat.type === 'inbound-rtp' && kind) {
            const prev = prevById.get(stat.id);
            const received = num(stat.packetsReceived) ?? 0;
            const lost = Math.max(0, num(stat.packetsLost) ?? 0);
            const dReceived = received - (num(prev?.packetsReceived) ?? 0);
            const dLost = lost - Math.max(0, num(prev?.packetsLost) ?? 0);
            const expected = prev ? dReceived + dLost : received + lost;
            const entry: InboundInfos = {
                bitrate: rate(num(stat.bytesReceived), num(prev?.bytesReceived), dt),
                packetsReceived: received,
                packetsLost: lost,
                lossPercent: expected > 0 ? Math.max(0, Math.min(100, ((prev ? dLost : lost) / expected) * 100)) : 0,
                jitter: num(stat.jitter) ?? 0,
                nackCount: num(stat.nackCount) ?? 0,
                codec: codecName(stat),
            };
            if (kind === 'video') {
                entry.framesPerSecond = num(stat.framesPerSecond) ?? 0;
                entry.framesDecoded = num(stat.framesDecoded) ?? 0;
                entry.frameWidth = num(stat.frameWidth) ?? 0;
                entry.frameHeight = num(stat.frameHeight) ?? 0;
                entry.freezeCount = num(stat.freezeCount) ?? 0;
                entry.totalFreezesDuration = num(stat.totalFreezesDuration) ?? 0;
            }
            const delay = num(stat.jitterBufferDelay);
            const emitted = num(stat.jitterBufferEmittedCount);
            if (delay !== undefined && emitted !== undefined) {
                const dDelay = delay - (num(prev?.jitterBufferDelay) ?? 0);
                const dEmitted = emitted - (num(prev?.jitterBufferEmittedCount) ?? 0);
                entry.jitterBufferDelay = dEmitted > 0 ? dDelay / dEmitted : emitted > 0 ? delay / emitted : 0;
            }
            // Several inbound streams of one kind (rare): keep the one that carries more.
            const existing = infos.inbound[kind];
            if (!existing || existing.packetsReceived < entry.packetsReceived) infos.inbound[kind] = entry;
        } else if (stat.type === 'outbound-rtp' && kind) {
            const prev = prevById.get(stat.id);
            const remote = current.find((s) => s.type === 'remote-inbound-rtp' && s.localId === stat.id);
            const entry: OutboundInfos = {
                bitrate: rate(num(stat.bytesSent), num(prev?.bytesSent), dt),
                packetsSent: num(stat.packetsSent) ?? 0,
                packetsLost: Math.max(0, num(remote?.packetsLost) ?? 0),
                lossPercent: Math.max(0, Math.min(100, (num(remote?.fractionLost) ?? 0) * 100)),
                jitter: num(remote?.jitter) ?? 0,
                nackCount: num(stat.nackCount) ?? 0,
                codec: codecName(stat),
            };
            if (kind === 'video') {
                entry.framesPerSecond = num(stat.framesPerSecond) ?? 0;
                entry.frameWidth = num(stat.frameWidth) ?? 0;
                entry.frameHeight = num(stat.frameHeight) ?? 0;
                entry.qualityLimitationReason = str(stat.qualityLimitationReason);
                entry.targetBitrate = num(stat.targetBitrate);
            }
            // Simulcast: several outbound-rtp per kind; sum bitrate/packets, keep the largest frame.
            const existing = infos.outbound[kind];
            if (existing) {
                existing.bitrate += entry.bitrate;
                existing.packetsSent += entry.packetsSent;
                existing.packetsLost += entry.packetsLost;
                existing.nackCount += entry.nackCount;
                existing.lossPercent = Math.max(existing.lossPercent, entry.lossPercent);
                if ((entry.frameWidth ?? 0) > (existing.frameWidth ?? 0)) {
                    existing.frameWidth = entry.frameWidth;
                    existing.frameHeight = entry.frameHeight;
                    existing.framesPerSecond = entry.framesPerSecond;
                }
                if (entry.targetBitrate !== undefined) {
                    existing.targetBitrate = (existing.targetBitrate ?? 0) + entry.targetBitrate;
                }
            } else {
                infos.outbound[kind] = entry;
            }
        }
    }

    const transport = current.find((s) => s.type === 'transport');
    const pairId = str(transport?.selectedCandidatePairId);
    const pair =
        (pairId ? byId.get(pairId) : undefined) ??
        current.find(
            (s) =>
                s.type === 'candidate-pair' && (s.selected === true || s.nominated === true) && s.state === 'succeeded',
        );
    if (pair) {
        infos.rtt = num(pair.currentRoundTripTime);
        infos.availableOutgoingBitrate = num(pair.availableOutgoingBitrate);
        infos.availableIncomingBitrate = num(pair.availableIncomingBitrate);
    }
    return infos;
}
