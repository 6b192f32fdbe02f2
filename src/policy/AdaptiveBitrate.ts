import { positive } from '../core/numbers';
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

/**
 * Why the adaptive bitrate moved its target: `'loss'` (a cut on packet loss), `'rtt'` (a queue
 * building up), `'growth'` (probing up after clean seconds), `'constraint'` (the server's ceiling,
 * `on_video_bitrate`). A custom implementation may give its own reasons.
 */
export type AbrReason = 'loss' | 'rtt' | 'growth' | 'constraint' | (string & {});

/**
 * The base of adaptive-bitrate algorithms (the Streamer's `abr` option): extend it and implement
 * its members; set {@link AdaptiveBitrate.reason} when the target moves, so that the app can show
 * why (the Streamer's `bitrateChange` event). The Streamer feeds {@link AdaptiveBitrate.update} one
 * sample a second, applies the target to the encoder and the server, and passes the server's
 * ceiling (`on_video_bitrate`, which MistServer also sends unprompted when it sees loss) to
 * {@link AdaptiveBitrate.setConstraint}.
 *
 * @example
 * ```ts
 * // A fixed ladder: full rate unless the server reports loss
 * class Ladder extends AdaptiveBitrate {
 *     private bps = 2_000_000;
 *     private ceiling?: number;
 *     get target() { return Math.min(this.bps, this.ceiling ?? Infinity); }
 *     get constraint() { return this.ceiling; }
 *     update(sample: AbrSample) {
 *         this.bps = sample.lossPercent > 5 ? 600_000 : 2_000_000;
 *         return this.target;
 *     }
 *     setConstraint(bps: number | undefined) { this.ceiling = bps; }
 * }
 * const streamer = new Streamer({ abr: new Ladder() });
 * ```
 */
export abstract class AdaptiveBitrate {
    /** Why the target last moved. */
    reason: AbrReason | undefined;
    /** The current target, bits per second. */
    abstract get target(): number;
    /** The server's constraint in force, bits per second, if any. */
    abstract get constraint(): number | undefined;
    /** Feeds one sample; returns the new target, bits per second. */
    abstract update(sample: AbrSample): number;
    /** Applies the server's ceiling, bits per second (`undefined` removes it). */
    abstract setConstraint(bps: number | undefined): void;
    /** Back to the start, with no history (a new session). */
    reset(): void {
        this.reason = undefined;
    }
}

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
 * const abr = new DefaultAdaptiveBitrate({ minBitrate: 150_000, maxBitrate: 2_500_000, startBitrate: 800_000 });
 * connector.on('videoBitrate', (_bitrate, constraint) => abr.setConstraint(constraint || undefined));
 * // once a second:
 * const bps = abr.update({ now: performance.now(), lossPercent, rttMs, source: 'sender' });
 * ```
 */
export class DefaultAdaptiveBitrate extends AdaptiveBitrate {
    private readonly _min: number;
    private readonly _max: number;
    private readonly _start: number;
    private _target!: number;
    private _constraint: number | undefined;
    // "No previous sample" / "no server sample" / "not clean" are ±Infinity, so the time
    // arithmetic below needs no undefined checks.
    private _lastNow!: number;
    private _serverAt!: number;
    private _cleanSince!: number;
    /** Recent RTT samples, `[time, rtt]`. */
    private _rtts!: [number, number][];
    private _rttStreak!: number;

    /** @throws {@link RtcError} `INVALID_ARGUMENT` when the bounds are not positive and ordered. */
    constructor(options: AdaptiveBitrateOptions) {
        super();
        const { minBitrate, maxBitrate, startBitrate } = options;
        const min = positive(minBitrate);
        const max = positive(maxBitrate);
        if (min === undefined || max === undefined || min > max) {
            throw new RtcError('INVALID_ARGUMENT', 'need 0 < minBitrate <= maxBitrate < Infinity');
        }
        this._min = minBitrate;
        this._max = maxBitrate;
        this._start = Number.isFinite(startBitrate) ? startBitrate! : 1_000_000;
        this.reset();
    }

    /** The current target, bits per second (an integer within the bounds). */
    override get target(): number {
        return this._target;
    }

    /** The server's constraint in force, bits per second, if any. */
    override get constraint(): number | undefined {
        return this._constraint;
    }

    /**
     * Applies the server's `on_video_bitrate` constraint: the target never exceeds it (the
     * target drops at once if above). `undefined`, 0 or a negative value removes it; the target
     * then grows back at the usual pace.
     */
    override setConstraint(bps: number | undefined): void {
        this._constraint = positive(bps);
        const before = this._target;
        if (this._clamp(before) < before) this.reason = 'constraint';
    }

    /** Feeds one sample; returns the new target, bits per second. */
    override update(sample: AbrSample): number {
        const { now, lossPercent, rttMs } = sample;
        // Longest interval one sample may grow the target over: a paused tab must not jump to the maximum.
        const step = Math.min(2000, Math.max(0, now - this._lastNow));
        this._lastNow = now;
        let target = this._target;
        let reason: AbrReason = 'growth';

        // Loss: a sender sample within 2 s of a server sample would count the same loss twice
        // (and the server's figure is the more accurate).
        const server = sample.source === 'server';
        if (server) this._serverAt = now;
        if (Number.isFinite(lossPercent) && (server || now - this._serverAt >= 2000)) {
            // Above 10 %: cut at once; under 2 %: clean (growth after 3 clean seconds).
            const loss = Math.min(100, lossPercent);
            if (loss > 10) {
                target *= 1 - loss / 200;
                reason = 'loss';
            }
            this._cleanSince = loss < 2 ? Math.min(this._cleanSince, now) : Infinity;
        }

        // Delay hint: the RTT climbing over its minimum of the last 30 s (a window, so that a
        // lasting route change is not a lasting congestion) means a queue is building.
        let rttHigh = false;
        const rtt = positive(rttMs);
        if (rtt !== undefined) {
            this._rtts = [...this._rtts.filter((r) => r[0] > now - 30_000), [now, rtt]];
            const minRtt = Math.min(...this._rtts.map((r) => r[1]));
            rttHigh = rtt > minRtt * 1.5 && rtt - minRtt > 20;
            this._rttStreak = rttHigh ? this._rttStreak + 1 : 0;
            // Unless the loss already cut the target (which made the streak unclean too).
            if (this._rttStreak > 1 && target === this._target) {
                target *= 0.85;
                reason = 'rtt';
                this._rttStreak = 0;
                this._cleanSince = Infinity;
            }
        }

        // After a cut nothing grows: the loss made the streak unclean, the RTT is high.
        if (!rttHigh && sample.qualityLimitationReason !== 'cpu' && now - this._cleanSince >= 3000) {
            // × 1.08 per second, up to the browser's estimate × 1.1 (which never lowers the target).
            target = Math.min(
                target * 1.08 ** (step / 1000),
                Math.max(target, positive(sample.availableOutgoingBitrate, Infinity) * 1.1),
            );
            reason = 'growth';
        }

        const before = this._target;
        const after = this._clamp(target);
        if (after !== before) this.reason = reason;
        return after;
    }

    /** Back to the start target, with no history and no constraint (a new session). */
    override reset(): void {
        super.reset();
        this._constraint = undefined;
        this._lastNow = this._cleanSince = Infinity;
        this._serverAt = -Infinity;
        this._rtts = [];
        this._rttStreak = 0;
        this._clamp(this._start);
    }

    /** Sets the target to `bps` within the bounds, and returns it. */
    private _clamp(bps: number): number {
        // Whole bits per second, never above the upper bound even when the bounds are fractional.
        const upper = Math.floor(Math.min(this._max, this._constraint ?? Infinity));
        return (this._target = Math.min(upper, Math.max(Math.ceil(this._min), Math.round(bps))));
    }
}
