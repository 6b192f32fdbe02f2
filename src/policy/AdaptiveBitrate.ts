import { RtcError } from '../core/RtcError';

/** One observation of the publisher's uplink, as the adaptive-bitrate algorithm reads it. */
export interface AbrSample {
    /** Time of the sample, ms (any monotonic clock; only differences matter). */
    now: number;
    /**
     * Video packets lost, percent (0–100): the server's `on_media_receive` `loss_perc` when
     * present (`source: 'server'`), else the RTCP receiver report's fraction lost (`'sender'`).
     */
    lossPercent: number;
    /** Round-trip time, ms. */
    rttMs?: number;
    /** The encoder's `qualityLimitationReason` (`none`, `cpu`, `bandwidth`, `other`). */
    qualityLimitationReason?: string;
    /** The browser's outgoing bandwidth estimate (`availableOutgoingBitrate`), bits per second. */
    availableOutgoingBitrate?: number;
    /** Video bitrate actually sent over the last interval, bits per second (informational). */
    sentBitrate?: number;
    /** NACKs received per second (informational). */
    nackRate?: number;
    /** Where `lossPercent` comes from. */
    source: 'server' | 'sender';
}

/** Options of {@link AdaptiveBitrate}. */
export interface AdaptiveBitrateOptions {
    /** Lowest target, bits per second (> 0). */
    minBitrate: number;
    /** Highest target, bits per second (≥ `minBitrate`). */
    maxBitrate: number;
    /** First target, bits per second (default 1 Mb/s, clamped to the bounds). */
    startBitrate?: number;
}

/** Loss above this percent cuts the target. */
const CUT_LOSS_PERCENT = 10;
/** Loss below this percent (for {@link CLEAN_MS}) lets the target grow. */
const CLEAN_LOSS_PERCENT = 2;
const CLEAN_MS = 3000;
/** Growth per second while clean. */
const GROWTH_PER_SECOND = 1.08;
/** The target may grow up to the browser's bandwidth estimate × this. */
const AVAILABLE_HEADROOM = 1.1;
/** RTT above its recent minimum × this (and by more than {@link RTT_MIN_RISE_MS}) is a queue building up. */
const RTT_RISE = 1.5;
const RTT_MIN_RISE_MS = 20;
const RTT_CUT = 0.85;
/** The RTT minimum is taken over this window, so a lasting route change is not a lasting congestion. */
const RTT_WINDOW_MS = 30_000;
/** A sender sample this soon after a server sample does not apply its loss (the server's is more accurate). */
const SERVER_PRECEDENCE_MS = 2000;
/** Longest interval one sample may grow the target over (a paused tab must not jump to the maximum). */
const MAX_STEP_MS = 2000;
const DEFAULT_START = 1_000_000;

const finite = (value: number | undefined): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * The Streamer's adaptive bitrate: a loss-based controller in the manner of Google Congestion
 * Control, with delay hints. Feed it one {@link AbrSample} a second; apply {@link target} to the
 * encoder (`RTCRtpSender.setParameters`) and to the server (`video_bitrate`).
 *
 * - loss > 10%: cut at once, `target × (1 − 0.5 × loss)`;
 * - loss 2–10%: hold;
 * - loss < 2% for 3 s: grow × 1.08 per second, up to the browser's `availableOutgoingBitrate` × 1.1
 *   when it reports one (the estimate never lowers the target by itself);
 * - RTT above 1.5 × its minimum of the last 30 s (and by more than 20 ms) in 2 consecutive
 *   samples: × 0.85; while it is above, no growth;
 * - `qualityLimitationReason: 'cpu'`: no growth (more bits would not help an encoder short of CPU);
 * - after any cut, growth waits for 3 clean seconds again;
 * - always within `[minBitrate, min(maxBitrate, constraint)]`; the server's constraint wins
 *   over `minBitrate` when it is lower.
 *
 * Pure and deterministic: time comes from the samples, never from a clock.
 *
 * @example
 * ```ts
 * const abr = new AdaptiveBitrate({ minBitrate: 150_000, maxBitrate: 2_500_000, startBitrate: 800_000 });
 * connector.on('videoBitrate', (_bitrate, constraint) => abr.setConstraint(constraint || undefined));
 * // once a second:
 * const bps = abr.update({ now: performance.now(), lossPercent, rttMs, source: 'sender' });
 * ```
 */
export class AdaptiveBitrate {
    private readonly _min: number;
    private readonly _max: number;
    private readonly _start: number;
    private _target: number;
    private _constraint: number | undefined;
    private _lastNow: number | undefined;
    private _lastServerAt: number | undefined;
    private _cleanSince: number | undefined;
    private _rtts: { now: number; rtt: number }[] = [];
    private _rttStreak = 0;

    /** @throws {@link RtcError} `INVALID_ARGUMENT` when the bounds are not positive and ordered. */
    constructor(options: AdaptiveBitrateOptions) {
        const { minBitrate, maxBitrate } = options;
        if (!finite(minBitrate) || minBitrate <= 0 || !finite(maxBitrate) || maxBitrate < minBitrate) {
            throw new RtcError('INVALID_ARGUMENT', 'AdaptiveBitrate needs 0 < minBitrate ≤ maxBitrate (finite)');
        }
        this._min = minBitrate;
        this._max = maxBitrate;
        this._start = finite(options.startBitrate) ? options.startBitrate : DEFAULT_START;
        this._target = this._clamp(this._start);
    }

    /** The current target, bits per second (an integer within the bounds). */
    get target(): number {
        return this._target;
    }

    /** The server's constraint in force, bits per second, if any. */
    get constraint(): number | undefined {
        return this._constraint;
    }

    /**
     * Applies the server's `on_video_bitrate` constraint: the target never exceeds it (the
     * target drops at once if above). `undefined`, 0 or a negative value removes it; the target
     * then grows back at the usual pace.
     */
    setConstraint(bps: number | undefined): void {
        this._constraint = finite(bps) && bps > 0 ? bps : undefined;
        this._target = this._clamp(this._target);
    }

    /** Feeds one sample; returns the new target, bits per second. */
    update(sample: AbrSample): number {
        const { now } = sample;
        const step = this._lastNow === undefined ? 0 : Math.min(MAX_STEP_MS, Math.max(0, now - this._lastNow));
        this._lastNow = now;
        let target = this._target;
        let cut = false;

        // Loss: a sender sample just after a server sample would count the same loss twice.
        if (sample.source === 'server') this._lastServerAt = now;
        const serverFresh =
            sample.source === 'sender' &&
            this._lastServerAt !== undefined &&
            now - this._lastServerAt < SERVER_PRECEDENCE_MS;
        if (finite(sample.lossPercent) && !serverFresh) {
            const loss = Math.min(100, Math.max(0, sample.lossPercent));
            if (loss > CUT_LOSS_PERCENT) {
                target *= 1 - (0.5 * loss) / 100;
                cut = true;
            }
            if (loss < CLEAN_LOSS_PERCENT) this._cleanSince ??= now;
            else this._cleanSince = undefined;
        }

        // Delay hint: the RTT climbing over its recent minimum means a queue is building.
        let rttHigh = false;
        if (finite(sample.rttMs) && sample.rttMs > 0) {
            this._rtts.push({ now, rtt: sample.rttMs });
            this._rtts = this._rtts.filter((r) => r.now > now - RTT_WINDOW_MS);
            const minRtt = Math.min(...this._rtts.map((r) => r.rtt));
            rttHigh = sample.rttMs > minRtt * RTT_RISE && sample.rttMs - minRtt > RTT_MIN_RISE_MS;
            this._rttStreak = rttHigh ? this._rttStreak + 1 : 0;
            if (this._rttStreak >= 2 && !cut) {
                target *= RTT_CUT;
                cut = true;
                this._rttStreak = 0;
            }
        }

        if (cut) {
            this._cleanSince = undefined;
        } else if (
            !rttHigh &&
            sample.qualityLimitationReason !== 'cpu' &&
            this._cleanSince !== undefined &&
            now - this._cleanSince >= CLEAN_MS &&
            step > 0
        ) {
            let grown = target * Math.pow(GROWTH_PER_SECOND, step / 1000);
            const available = sample.availableOutgoingBitrate;
            if (finite(available) && available > 0)
                grown = Math.min(grown, Math.max(target, available * AVAILABLE_HEADROOM));
            target = grown;
        }

        this._target = this._clamp(target);
        return this._target;
    }

    /** Back to the start target, with no history and no constraint (a new session). */
    reset(): void {
        this._constraint = undefined;
        this._target = this._clamp(this._start);
        this._lastNow = undefined;
        this._lastServerAt = undefined;
        this._cleanSince = undefined;
        this._rtts = [];
        this._rttStreak = 0;
    }

    private _clamp(bps: number): number {
        // Whole bits per second, never above the upper bound even when the bounds are fractional.
        const upper = Math.floor(Math.min(this._max, this._constraint ?? Infinity));
        const lower = Math.min(Math.ceil(this._min), upper);
        return Math.min(upper, Math.max(lower, Math.round(finite(bps) ? bps : lower)));
    }
}
