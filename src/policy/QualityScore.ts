import type { ConnectionInfos, InboundInfos, OutboundInfos } from '../stats/connectionInfos';
import { positive } from '../core/numbers';
import { withoutUndefined } from '../core/objects';
import type { PlayRate } from '../signaling/messages';

/** Inputs of {@link qualityScore}. Missing values do not penalise. */
export interface QualitySample {
    /** Packets lost over the last interval, percent (0–100). */
    packetLossPercent: number;
    /** Interarrival jitter, ms. */
    jitterMs?: number;
    /** Round-trip time, ms. */
    rttMs?: number;
    /** Video freezes per minute (recent rate). */
    freezesPerMinute?: number;
}

/**
 * A 0–100 quality score, MOS-like: 100 is a clean, low-latency, fluid stream; under ~50 users
 * notice; 0 is unusable. Deterministic and monotonic: more loss, jitter, RTT or freezes never
 * raise it.
 *
 * The formula starts from the simplified ITU-T G.107 E-model used by VoIP monitors:
 * - effective latency `d = rttMs / 2 + 2 × jitterMs + 10`;
 * - `R = 93.2 − (d < 160 ? d / 40 : (d − 120) / 10) − 4 × packetLossPercent`
 *   (4 points per percent of loss instead of the E-model's 2.5: video has no loss concealment);
 * - `score = 100 × R / 93.2`, minus the video penalty `15 × freezesPerMinute` (at most 60);
 * - clamped to [0, 100] and rounded to an integer.
 *
 * @example
 * ```ts
 * qualityScore({ packetLossPercent: 0, rttMs: 40, jitterMs: 5 }); // 99
 * qualityScore({ packetLossPercent: 10, rttMs: 40 });             // 56
 * qualityScore({ packetLossPercent: 0, freezesPerMinute: 2 });   // 70
 * ```
 */
export function qualityScore(sample: QualitySample): number {
    const delay = positive(sample.rttMs, 0) / 2 + 2 * positive(sample.jitterMs, 0) + 10;
    // R factor of the simplified E-model, 93.2 for a perfect network; 4 points per percent of loss
    // (the E-model's 2.5 assumes audio loss concealment; video has none). Loss above 100 % needs
    // no cap: the score is 0 from 24 % on.
    const r = 93.2 - (delay < 160 ? delay / 40 : (delay - 120) / 10) - 4 * positive(sample.packetLossPercent, 0);
    // Never above 100: the delay term is at least 0.25.
    return Math.round(Math.max(0, r / 0.932 - Math.min(60, 15 * positive(sample.freezesPerMinute, 0))));
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
    /** Average jitter-buffer delay over the last interval, ms (video, else audio): the latency achieved. */
    jitterBufferMs: number;
    /**
     * The jitter-buffer target the player set, ms (see the `latency` option; 0 while catching up
     * after a freeze); absent when the browser buffers by its own measure.
     */
    jitterBufferTargetMs?: number;
    /**
     * How far behind the sender the picture plays, ms, as far as the receiver can tell: the
     * jitter-buffer delay plus half the round-trip time (the server's own buffering not included).
     */
    latencyMs: number;
    /** Whether playback is stalled: video is received but no frame was decoded in the last interval. */
    buffering: boolean;
    /** Video freezes since the session started (cumulative). */
    freezeCount: number;
    /** Stalls since the session started: the freezes the browser counted (cumulative). */
    stallCount: number;
    /** How long those stalls lasted in all, ms (cumulative). */
    stallDurationMs: number;
    /** The server's playback rate (`on_time`, WebSocket sessions): a factor, `'auto'` or `'fast-forward'`. */
    playbackRate?: PlayRate;
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
     * per minute over the last interval (at most 60).
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
    /** The jitter-buffer target in force, ms. */
    jitterBufferTargetMs?: number;
    /** The server's playback rate, when it reports one. */
    playbackRate?: PlayRate;
}

/** Extra inputs of {@link toStreamerStats}. */
export interface StreamerStatsExtra {
    /** The adaptive-bitrate target (or the fixed bitrate), bits per second. */
    targetBitrate: number;
}

/** The fields both sides share, from one direction's audio and video. */
function commonStats(
    infos: ConnectionInfos,
    audio: InboundInfos | OutboundInfos | undefined,
    video: InboundInfos | OutboundInfos | undefined,
) {
    const videoBitrate = video?.bitrate ?? 0;
    const audioBitrate = audio?.bitrate ?? 0;
    return {
        timestamp: infos.timestamp,
        bitrate: videoBitrate + audioBitrate,
        videoBitrate,
        audioBitrate,
        fps: video?.framesPerSecond ?? 0,
        width: video?.frameWidth ?? 0,
        height: video?.frameHeight ?? 0,
        packetLossPercent: Math.max(audio?.lossPercent ?? 0, video?.lossPercent ?? 0),
        // The worse of audio and video, ms.
        jitterMs: Math.max(audio?.jitter ?? 0, video?.jitter ?? 0) * 1000,
        rttMs: infos.rtt === undefined ? undefined : infos.rtt * 1000,
        videoCodec: video?.codec,
        audioCodec: audio?.codec,
    };
}

/**
 * Builds the Player's {@link PlayerStats} from one normalised `getStats()` summary (its inbound
 * side). Fields without a value are left out, but `rendition`, which is always present. Pure.
 *
 * @example
 * ```ts
 * const stats = toPlayerStats(await connector.connectionInfos(), { rendition: 1 });
 * ```
 */
export function toPlayerStats(infos: ConnectionInfos, extra: PlayerStatsExtra = {}): PlayerStats {
    const { audio, video } = infos.inbound;
    const common = commonStats(infos, audio, video);
    const jitterBufferMs = (video?.jitterBufferDelay ?? audio?.jitterBufferDelay ?? 0) * 1000;
    const stallCount = video?.freezeCount ?? 0;
    const stats: PlayerStats = withoutUndefined({
        ...common,
        jitterBufferMs,
        latencyMs: jitterBufferMs + (common.rttMs ?? 0) / 2,
        buffering: video !== undefined && video.packetsReceived > 0 && (video.framesPerSecond ?? 0) === 0,
        freezeCount: stallCount,
        stallCount,
        stallDurationMs: (video?.totalFreezesDuration ?? 0) * 1000,
        playbackRate: extra.playbackRate,
        jitterBufferTargetMs: extra.jitterBufferTargetMs,
        quality: qualityScore({ ...common, freezesPerMinute: video?.freezesPerMinute }),
        rendition: extra.rendition,
    });
    // Present even when unknown: the app tells "no rendition" from "no field".
    stats.rendition = extra.rendition;
    return stats;
}

/**
 * Builds the Streamer's {@link StreamerStats} from one normalised `getStats()` summary (its
 * outbound side). Fields without a value are left out. Pure.
 *
 * @example
 * ```ts
 * const stats = toStreamerStats(await connector.connectionInfos(), { targetBitrate: abr.target });
 * ```
 */
export function toStreamerStats(infos: ConnectionInfos, extra: StreamerStatsExtra): StreamerStats {
    const { audio, video } = infos.outbound;
    // The receiver's jitter is scored, not reported: a publisher has no jitter buffer of its own.
    const { jitterMs, ...common } = commonStats(infos, audio, video);
    return withoutUndefined({
        ...common,
        targetBitrate: extra.targetBitrate,
        qualityLimitationReason: video?.qualityLimitationReason,
        quality: qualityScore({ ...common, jitterMs }),
    });
}
