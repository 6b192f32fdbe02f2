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

type Stat = Record<string, unknown> & { id: string; type: string };
type Entry = Record<string, number | string | undefined>;

/** `value` when it is a finite number, else `undefined`. @internal */
export const num = (value: unknown): number | undefined => (Number.isFinite(value) ? (value as number) : undefined);

/** Copies the numeric `keys` (space-separated) of `from` to `to`, 0 when absent. */
function copy(to: Entry, from: Stat | undefined, keys: string): void {
    for (const key of keys.split(' ')) to[key] = num(from?.[key]) ?? 0;
}

/** The previous sample, read and then replaced by {@link normalizeStats}. @internal */
export interface StatsSample {
    /** When it was taken, ms. */
    timestamp?: number;
    /** Its raw stats. */
    stats?: Stat[];
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
    const current = [...report.values()].filter(
        (value): value is Stat => typeof (value as Stat | null)?.type === 'string',
    );
    const infos: ConnectionInfos = { timestamp: now, inbound: {}, outbound: {} };
    // NaN without a previous sample: no rates.
    const dt = now - previous.timestamp!;
    const find = (key: string, value: unknown) => current.find((s) => s[key] === value);

    for (const stat of current) {
        const kind = stat.kind ?? stat.mediaType;
        const inbound = stat.type === 'inbound-rtp';
        if ((kind !== 'audio' && kind !== 'video') || (!inbound && stat.type !== 'outbound-rtp')) continue;
        const dir = inbound ? 'Received' : 'Sent';
        const prev = previous.stats?.find((s) => s.id === stat.id);
        /** Growth of a counter since the previous sample (its total on the first sample). */
        const delta = (key: string) => (num(stat[key]) ?? 0) - (num(prev?.[key]) ?? 0);
        /**
         * Growth per second × `scale` over the interval: 0 without both samples' counter or when it
         * went down (a new receiver).
         */
        const rate = (key: string, scale: number) =>
            (dt > 0 && (Math.max(0, num(stat[key])! - num(prev?.[key])!) * scale) / dt) || 0;
        // Outbound loss and jitter come from the receiver's RTCP report.
        const remote = inbound ? stat : find('localId', stat.id);
        const entry: Entry = {
            bitrate: Math.round(rate(`bytes${dir}`, 8000)),
            codec: (find('id', stat.codecId)?.mimeType as string)?.split('/')[1]?.toUpperCase(),
        };
        copy(entry, remote, 'packetsLost jitter');
        copy(
            entry,
            stat,
            `packets${dir} nackCount${kind === 'video' ? ` framesPerSecond frameWidth frameHeight${inbound ? ' framesDecoded freezeCount totalFreezesDuration' : ''}` : ''}`,
        );
        const lost = (entry.packetsLost = Math.max(0, entry.packetsLost as number));
        const dLost = lost - Math.max(0, num(prev?.packetsLost) ?? 0);
        const expected = delta(`packets${dir}`) + dLost;
        entry.lossPercent = Math.max(
            0,
            Math.min(100, ((inbound ? expected > 0 && dLost / expected : num(remote?.fractionLost)) || 0) * 100),
        );
        if (inbound) {
            entry.nackRate = rate('nackCount', 1000);
            if (kind === 'video') entry.freezesPerMinute = rate('freezeCount', 60_000);
            const delay = num(stat.jitterBufferDelay);
            const emitted = num(stat.jitterBufferEmittedCount);
            const dEmitted = delta('jitterBufferEmittedCount');
            // Over the interval; without frames in it, since the start.
            if (delay !== undefined && emitted !== undefined)
                entry.jitterBufferDelay =
                    dEmitted > 0 ? delta('jitterBufferDelay') / dEmitted : emitted && delay / emitted;
        } else if (kind === 'video') {
            entry.qualityLimitationReason = stat.qualityLimitationReason as string | undefined;
            entry.targetBitrate = num(stat.targetBitrate);
        }
        const side = (inbound ? infos.inbound : infos.outbound) as Record<string, OutboundInfos & InboundInfos>;
        const layer = entry as unknown as OutboundInfos;
        const existing = side[kind];
        // Several inbound streams of one kind (rare): keep the one that carries more.
        if (!existing || (inbound && existing.packetsReceived < (entry.packetsReceived as number))) {
            side[kind] = entry as unknown as OutboundInfos & InboundInfos;
        } else if (!inbound) {
            // Simulcast: several outbound-rtp per kind; sum bitrate/packets, keep the largest frame.
            for (const key of ['bitrate', 'packetsSent', 'packetsLost', 'nackCount', 'targetBitrate'] as const) {
                if (layer[key] !== undefined) existing[key] = (existing[key] ?? 0) + layer[key]!;
            }
            existing.lossPercent = Math.max(existing.lossPercent, layer.lossPercent);
            if (layer.frameWidth! > existing.frameWidth!) {
                for (const key of ['frameWidth', 'frameHeight', 'framesPerSecond'] as const) {
                    existing[key] = layer[key];
                }
            }
        }
    }

    const pair =
        find('id', find('type', 'transport')?.selectedCandidatePairId) ??
        current.find((s) => s.type === 'candidate-pair' && (s.selected || s.nominated) && s.state === 'succeeded');
    if (pair) {
        infos.rtt = num(pair.currentRoundTripTime);
        infos.availableOutgoingBitrate = num(pair.availableOutgoingBitrate);
        infos.availableIncomingBitrate = num(pair.availableIncomingBitrate);
    }
    previous.timestamp = now;
    previous.stats = current;
    return infos;
}
