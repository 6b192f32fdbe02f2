import type { ConnectionInfos } from '../stats/connectionInfos';

/** Inputs of {@link qualityScore}. Missing values do not penalise. */
export interface QualitySample {
    /** Packets lost over the last interval, percent (0–100). */
    lossPercent: number;
    /** Interarrival jitter, ms. */
    jitterMs?: number;
    /** Round-trip time, ms. */
    rttMs?: number;
    /** Video freezes per minute (recent rate). */
    freezesPerMinute?: number;
    /** Frames per second rendered (player) or sent (streamer). */
    fps?: number;
    /** The frame rate the stream should have; without it `fps` does not penalise. */
    targetFps?: number;
}

/** Weight of one percent of loss (the E-model's 2.5 for audio with concealment, more for video). */
const LOSS_WEIGHT = 4;
/** Points lost per freeze per minute, and their cap. */
const FREEZE_WEIGHT = 15;
const FREEZE_MAX = 60;
/** Points lost when the frame rate falls to zero. */
const FPS_WEIGHT = 40;
/** R factor of a perfect network in the simplified E-model. */
const R_MAX = 93.2;

const finite = (value: number | undefined): number =>
    value !== undefined && Number.isFinite(value) && value > 0 ? value : 0;

/**
 * A 0–100 quality score, MOS-like: 100 is a clean, low-latency, fluid stream; under ~50 users
 * notice; 0 is unusable. Deterministic and monotonic: more loss, jitter, RTT or freezes, or a
 * lower frame rate, never raise it.
 *
 * The formula starts from the simplified ITU-T G.107 E-model used by VoIP monitors:
 * - effective latency `d = rttMs / 2 + 2 × jitterMs + 10`;
 * - `R = 93.2 − (d < 160 ? d / 40 : (d − 120) / 10) − 4 × lossPercent`
 *   (4 points per percent of loss instead of the E-model's 2.5: video has no loss concealment);
 * - `score = 100 × R / 93.2`, then the video penalties are subtracted:
 *   `15 × freezesPerMinute` (at most 60) and `40 × (1 − fps / targetFps)` when both are known;
 * - clamped to [0, 100] and rounded to an integer.
 *
 * @example
 * ```ts
 * qualityScore({ lossPercent: 0, rttMs: 40, jitterMs: 5 }); // 99
 * qualityScore({ lossPercent: 10, rttMs: 40 });             // 56
 * qualityScore({ lossPercent: 0, fps: 15, targetFps: 30 }); // 80
 * ```
 */
export function qualityScore(sample: QualitySample): number {
    const loss = Math.min(100, finite(sample.lossPercent));
    const delay = finite(sample.rttMs) / 2 + 2 * finite(sample.jitterMs) + 10;
    const delayPenalty = delay < 160 ? delay / 40 : (delay - 120) / 10;
    const r = R_MAX - delayPenalty - LOSS_WEIGHT * loss;
    let score = (100 * r) / R_MAX;
    score -= Math.min(FREEZE_MAX, FREEZE_WEIGHT * finite(sample.freezesPerMinute));
    const target = finite(sample.targetFps);
    if (target > 0 && sample.fps !== undefined && Number.isFinite(sample.fps)) {
        const ratio = Math.min(1, Math.max(0, sample.fps / target));
        score -= FPS_WEIGHT * (1 - ratio);
    }
    return Math.round(Math.min(100, Math.max(0, score)));
}

/** The normalised statistics a `Player` emits about once a second. */
export interface PlayerStats {
    /** Timestamp of the underlying `getStats()` sample, ms (`performance.now()` clock). */
    timestamp: number;
    /** Received bitrate, video + audio, bits per second. */
    bitrate: number;
    /** Received video bitrate, bits per second. */
    videoBitrate: number;
    /** Received audio bitrate, bits per second. */
    audioBitrate: number;
    /** Decoded frames per second. */
    fps: number;
    /** Decoded frame width, pixels (0 before the first frame). */
    width: number;
    /** Decoded frame height, pixels. */
    height: number;
    /** Packets lost over the last interval, percent: the worse of audio and video. */
    packetLossPercent: number;
    /** Interarrival jitter, ms: the worse of audio and video. */
    jitterMs: number;
    /** Round-trip time of the selected candidate pair, ms, where the browser reports it. */
    rttMs?: number;
    /** Average jitter-buffer delay over the last interval, ms (video, else audio). */
    jitterBufferMs: number;
    /** Video freezes since the session started (cumulative). */
    freezeCount: number;
    /** The video track (rendition) being played, when known. */
    rendition: number | undefined;
    /** Negotiated video codec (`VP8`, `H264` …), when known. */
    videoCodec?: string;
    /** Negotiated audio codec, when known. */
    audioCodec?: string;
    /**
     * 0–100 quality score, MOS-like: 100 is a clean, low-latency, fluid stream; under ~50 users
     * notice; 0 is unusable. Computed from a simplified ITU-T G.107 E-model of the packet loss,
     * jitter (the worse of audio and video) and round-trip time, minus 15 points per video freeze
     * per minute since the previous sample (at most 60).
     */
    quality: number;
}

/** The normalised statistics a `Streamer` emits about once a second. */
export interface StreamerStats {
    /** Timestamp of the underlying `getStats()` sample, ms. */
    timestamp: number;
    /** Sent bitrate, video + audio, bits per second. */
    bitrate: number;
    /** Sent video bitrate (all simulcast layers), bits per second. */
    videoBitrate: number;
    /** Sent audio bitrate, bits per second. */
    audioBitrate: number;
    /** Encoded frames per second (largest layer). */
    fps: number;
    /** Encoded frame width, pixels (largest layer). */
    width: number;
    /** Encoded frame height, pixels. */
    height: number;
    /** Loss the receiver reports (RTCP), percent: the worse of audio and video. */
    packetLossPercent: number;
    /** Round-trip time, ms, where the browser reports it. */
    rttMs?: number;
    /** Why the encoder limits quality: `none`, `cpu`, `bandwidth` or `other`. */
    qualityLimitationReason?: string;
    /** The adaptive-bitrate target (or the fixed bitrate), bits per second. */
    targetBitrate: number;
    /** Negotiated video codec, when known. */
    videoCodec?: string;
    /** Negotiated audio codec, when known. */
    audioCodec?: string;
    /**
     * 0–100 quality score, MOS-like: 100 is a clean, low-latency stream; under ~50 viewers notice;
     * 0 is unusable. Computed from a simplified ITU-T G.107 E-model of the loss, jitter (the worse
     * of audio and video, from the receiver's RTCP reports) and round-trip time.
     */
    quality: number;
}

/** Extra inputs of {@link toPlayerStats}. */
export interface PlayerStatsExtra {
    /** The video track being played. */
    rendition?: number;
    /**
     * The previous stats of the same session: gives the freeze rate that {@link qualityScore}
     * penalises (freezes between the two samples, per minute).
     */
    previous?: PlayerStats;
    /** The stream's nominal frame rate, when known: a lower decoded rate lowers the score. */
    targetFps?: number;
}

/** Extra inputs of {@link toStreamerStats}. */
export interface StreamerStatsExtra {
    /** The adaptive-bitrate target (or the fixed bitrate), bits per second. */
    targetBitrate: number;
    /** The capture frame rate, when known: a lower encoded rate lowers the score. */
    targetFps?: number;
}

const worst = (a: number | undefined, b: number | undefined): number => Math.max(a ?? 0, b ?? 0);
const ms = (seconds: number | undefined): number | undefined =>
    seconds === undefined || !Number.isFinite(seconds) ? undefined : seconds * 1000;

/**
 * What the Player's and the Streamer's stats share, from the inbound (player) or outbound
 * (streamer) side of `infos`; `jitterMs` (the worse of audio and video) is only scored.
 */
function commonStats(
    infos: ConnectionInfos,
    side: ConnectionInfos['inbound'] | ConnectionInfos['outbound'],
    extra: { targetFps?: number; freezesPerMinute?: number },
) {
    const { audio, video } = side;
    const videoBitrate = video?.bitrate ?? 0;
    const audioBitrate = audio?.bitrate ?? 0;
    const packetLossPercent = worst(audio?.lossPercent, video?.lossPercent);
    const jitterMs = worst(ms(audio?.jitter), ms(video?.jitter));
    const rttMs = ms(infos.rtt);
    const fps = video?.framesPerSecond ?? 0;
    const stats: Omit<StreamerStats, 'targetBitrate'> & { jitterMs: number } = {
        timestamp: infos.timestamp,
        bitrate: videoBitrate + audioBitrate,
        videoBitrate,
        audioBitrate,
        fps,
        width: video?.frameWidth ?? 0,
        height: video?.frameHeight ?? 0,
        packetLossPercent,
        jitterMs,
        quality: qualityScore({
            lossPercent: packetLossPercent,
            jitterMs,
            rttMs,
            freezesPerMinute: extra.freezesPerMinute,
            // Before the first decoded frame there is nothing to judge the frame rate on.
            fps: video ? fps : undefined,
            targetFps: extra.targetFps,
        }),
    };
    if (rttMs !== undefined) stats.rttMs = rttMs;
    if (video?.codec) stats.videoCodec = video.codec;
    if (audio?.codec) stats.audioCodec = audio.codec;
    return stats;
}

/**
 * Builds the Player's {@link PlayerStats} from one normalised `getStats()` summary. Pure.
 *
 * @example
 * ```ts
 * let previous: PlayerStats | undefined;
 * const stats = toPlayerStats(await connector.connectionInfos(), { rendition: 1, previous });
 * previous = stats;
 * ```
 */
export function toPlayerStats(infos: ConnectionInfos, extra: PlayerStatsExtra = {}): PlayerStats {
    const { audio, video } = infos.inbound;
    const freezeCount = video?.freezeCount ?? 0;
    const previous = extra.previous;
    let freezesPerMinute: number | undefined;
    if (previous && infos.timestamp > previous.timestamp && freezeCount >= previous.freezeCount) {
        freezesPerMinute = ((freezeCount - previous.freezeCount) * 60_000) / (infos.timestamp - previous.timestamp);
    }
    return {
        ...commonStats(infos, infos.inbound, { targetFps: extra.targetFps, freezesPerMinute }),
        jitterBufferMs: ms(video?.jitterBufferDelay ?? audio?.jitterBufferDelay) ?? 0,
        freezeCount,
        rendition: extra.rendition,
    };
}

/**
 * Builds the Streamer's {@link StreamerStats} from one normalised `getStats()` summary. Pure.
 *
 * @example
 * ```ts
 * const stats = toStreamerStats(await connector.connectionInfos(), { targetBitrate: abr.target });
 * ```
 */
export function toStreamerStats(infos: ConnectionInfos, extra: StreamerStatsExtra): StreamerStats {
    const { jitterMs: _scoredOnly, ...stats }: StreamerStats & { jitterMs?: number } = {
        ...commonStats(infos, infos.outbound, extra),
        targetBitrate: extra.targetBitrate,
    };
    const reason = infos.outbound.video?.qualityLimitationReason;
    if (reason !== undefined) stats.qualityLimitationReason = reason;
    return stats;
}
