import { nonNegative, positive } from '../core/numbers';

/** One video rendition (track) of a stream, as the server's stream info describes it. */
export interface Rendition {
    /** The track index to ask the server for (`setVideoTrack(track)`). */
    track: number;
    /** Average bitrate, bits per second, when known. */
    bitrate?: number;
    /** Frame width, pixels, when known. */
    width?: number;
    /** Frame height, pixels, when known. */
    height?: number;
}

/** One second of the player's reception, as the multi-bitrate algorithm reads it. */
export interface MbrSample {
    /** Time of the sample, ms (any monotonic clock; only differences matter). */
    now: number;
    /** Video packets lost over the last interval, percent (0–100). */
    lossPercent: number;
    /** NACKs sent per second over the last interval. */
    nackRate?: number;
    /**
     * Video freezes since the session started (cumulative, as `inbound-rtp.freezeCount`); absent
     * when the browser does not count them (no freeze is seen then).
     */
    freezeCount?: number;
    /** Average jitter-buffer delay over the last interval, ms. */
    jitterBufferMs?: number;
    /** Incoming bandwidth estimated by the browser, bits per second. */
    availableBitrate?: number;
    /** Bitrate actually received over the last interval, bits per second. */
    receivedBitrate: number;
}

/**
 * Why a multi-bitrate decision changed rendition: `'initial'` (the first choice), `'burst-loss'`,
 * `'loss'`, `'freeze'`, `'jitter-buffer'` (a queue building up), `'bandwidth'` (the estimate no
 * longer fits the rendition) — steps down — or `'clean'` (a step up after a clean stretch). A
 * custom implementation may give its own reasons.
 */
export type MbrReason =
    'initial' | 'burst-loss' | 'loss' | 'freeze' | 'jitter-buffer' | 'bandwidth' | 'clean' | (string & {});

/**
 * Chooses the video rendition of a player. The `Player` calls {@link RenditionSelector.decide}
 * once per stats sample while the video track is automatic, and applies the track it returns;
 * pass your own implementation as the player's `mbr` option to replace the default
 * ({@link DefaultMultiBitrate}).
 */
export interface RenditionSelector {
    /**
     * @param sample - the latest reception sample.
     * @param renditions - the stream's video renditions, in any order.
     * @param current - the track being played, when known.
     * @returns the track to play (one of `renditions`), or `undefined` when there is none.
     */
    decide(sample: MbrSample, renditions: readonly Rendition[], current: number | undefined): number | undefined;
    /** Forgets all history (a new session, a new stream). */
    reset(): void;
    /** Why the last decision that changed rendition was made (the Player's `renditionChange` event). */
    readonly reason?: MbrReason;
}

/**
 * The base of multi-bitrate algorithms (the Player's `mbr` option): extend it, implement
 * {@link MultiBitrate.decide}, and set {@link MultiBitrate.reason} when a decision changes the
 * rendition, so that the app can show why (the Player's `renditionChange` event).
 *
 * @example
 * ```ts
 * // Always the lightest rendition, e.g. for a thumbnail wall
 * class Lightest extends MultiBitrate {
 *     decide(_sample: MbrSample, renditions: readonly Rendition[]): number | undefined {
 *         return sortRenditions(renditions)[0]?.track;
 *     }
 * }
 * const player = new Player(video, { mbr: new Lightest() });
 * ```
 */
export abstract class MultiBitrate implements RenditionSelector {
    /** Why the last decision that changed rendition was made. */
    reason: MbrReason | undefined;

    /** {@inheritDoc RenditionSelector.decide} */
    abstract decide(
        sample: MbrSample,
        renditions: readonly Rendition[],
        current: number | undefined,
    ): number | undefined;

    /** {@inheritDoc RenditionSelector.reset} */
    reset(): void {
        this.reason = undefined;
    }
}

/** Tuning of {@link MultiBitrate}; the defaults suit one sample per second. */
export interface MultiBitrateOptions {
    /** Clean time required before stepping up, ms (default 10000). */
    holdMs?: number;
    /** Largest clean time required after repeated failed up-switches, ms (default 60000). */
    maxHoldMs?: number;
    /** A step down this soon after a step up makes the step up a failure, ms (default 15000). */
    failedUpWindowMs?: number;
    /** Loss above this percent for two consecutive samples steps down (default 5). */
    lossPercent?: number;
    /** Loss above this percent in one sample steps down at once (default 15). */
    burstLossPercent?: number;
    /** Loss below this percent counts as clean (default 1). */
    cleanLossPercent?: number;
    /** NACKs per second above this make a sample not clean (default 30). */
    cleanNackRate?: number;
    /** A jitter buffer above this, ms, is not clean; growing steadily above it steps down (default 400). */
    jitterBufferMs?: number;
    /** The span over which the jitter buffer must grow steadily to step down, ms (default 3000). */
    jitterBufferWindowMs?: number;
    /** Minimum growth of the jitter buffer over that span, ms (default 100). */
    jitterBufferGrowthMs?: number;
    /** Stepping up needs the estimated bandwidth to reach the next bitrate × this (default 1.2). */
    upHeadroom?: number;
    /** Available bandwidth below the current bitrate × this steps down (default 0.8). */
    downRatio?: number;
    /**
     * After a switch, loss, freeze and jitter-buffer signals are ignored this long, ms (default 2000):
     * they still describe the previous rendition, and the switch itself may freeze until a keyframe.
     */
    settleMs?: number;
}

const DEFAULTS: Required<MultiBitrateOptions> = {
    holdMs: 10_000,
    maxHoldMs: 60_000,
    failedUpWindowMs: 15_000,
    lossPercent: 5,
    burstLossPercent: 15,
    cleanLossPercent: 1,
    cleanNackRate: 30,
    jitterBufferMs: 400,
    jitterBufferWindowMs: 3000,
    jitterBufferGrowthMs: 100,
    upHeadroom: 1.2,
    downRatio: 0.8,
    settleMs: 2000,
};

const pixels = (r: Rendition): number => (r.width ?? 0) * (r.height ?? 0);

/**
 * Renditions from the lightest to the heaviest: by resolution (width × height) when every
 * rendition has one — a stable rank, where a server's measured bitrates fluctuate (a simulcast
 * layer ramping up can briefly measure below a smaller one) — then by bitrate, then by track;
 * by bitrate otherwise. Duplicate tracks are dropped.
 */
export function sortRenditions(renditions: readonly Rendition[]): Rendition[] {
    const seen = new Set<number>();
    const unique = renditions.filter((r) => {
        if (!Number.isFinite(r.track) || seen.has(r.track)) return false;
        seen.add(r.track);
        return true;
    });
    const bySize = unique.every((r) => pixels(r) > 0);
    return unique.sort(
        (a, b) =>
            (bySize && pixels(a) - pixels(b)) ||
            (a.bitrate ?? 0) - (b.bitrate ?? 0) ||
            pixels(a) - pixels(b) ||
            a.track - b.track,
    );
}

/**
 * The default multi-bitrate algorithm: steps down fast, up carefully.
 *
 * - **Down, at once**, one step (or straight to the rendition the available bandwidth fits) on
 *   congestion: loss above 5% in two consecutive samples, above 15% in one, a new freeze, the
 *   jitter buffer growing steadily for 3 s above 400 ms, or the available bandwidth below 0.8 ×
 *   the current bitrate. Except for the bandwidth rule, signals are ignored for 2 s after a
 *   switch (they still describe the previous rendition).
 * - **Up, one step**, only after 10 s of clean samples (loss under 1%, no freeze, few NACKs,
 *   jitter buffer under 400 ms, media received) and, when the browser estimates the available
 *   bandwidth, when it reaches the next bitrate × 1.2.
 * - **No oscillation**: a step down within 15 s of a step up marks the step up as failed and
 *   doubles the clean time required (up to 60 s); a step up that holds 15 s restores it.
 *
 * Pure and deterministic: time comes from the samples, never from a clock.
 *
 * @example
 * ```ts
 * const mbr = new DefaultMultiBitrate();
 * let track: number | undefined = 0;
 * // once a second:
 * const next = mbr.decide(sample, renditions, track);
 * if (next !== undefined && next !== track) await connector.setVideoTrack((track = next));
 * ```
 */
export class DefaultMultiBitrate extends MultiBitrate {
    private readonly _options: Required<MultiBitrateOptions>;
    private _hold!: number;
    /** The previous sample's freeze count (none before the first: no freeze seen). */
    private _freezes: number | undefined;
    private _lossStreak!: number;
    private _cleanSince: number | undefined;
    /**
     * The samples with a jitter buffer since the last switch and the last decrease, one at or
     * before the window's start: a steady growth when they span the window.
     */
    private _jitterBuffer!: { now: number; delay: number }[];
    private _switchedAt: number | undefined;
    private _lastUpAt: number | undefined;
    private _lastDecision: number | undefined;

    constructor(options: MultiBitrateOptions = {}) {
        super();
        // Each option a non-negative number, else its default.
        const merged = {} as Required<MultiBitrateOptions>;
        for (const key in DEFAULTS) {
            merged[key as keyof MultiBitrateOptions] = nonNegative(
                options[key as keyof MultiBitrateOptions],
                DEFAULTS[key as keyof MultiBitrateOptions],
            );
        }
        this._options = merged;
        this.reset();
    }

    /** The clean time currently required before stepping up, ms (grows after failed up-switches). */
    get holdMs(): number {
        return this._hold;
    }

    /** {@inheritDoc RenditionSelector.decide} */
    override decide(
        sample: MbrSample,
        renditions: readonly Rendition[],
        current: number | undefined,
    ): number | undefined {
        const sorted = sortRenditions(renditions);
        const o = this._options;
        const { now, lossPercent } = sample;
        // A cumulative counter that went down means a new session: not a freeze. Without a count
        // (the browser does not report one, or the first sample) no freeze is seen.
        const freezes = sample.freezeCount;
        const newFreeze = freezes !== undefined && this._freezes !== undefined && freezes > this._freezes;
        this._freezes = freezes;

        this._lossStreak = lossPercent > o.lossPercent ? this._lossStreak + 1 : 0;
        this._recordJitterBuffer(sample);

        const available = positive(sample.availableBitrate);
        /** The heaviest rendition `bitrate` fits, when the renditions' bitrates are known. */
        const fitting = (bitrate: number | undefined) =>
            bitrate === undefined ? undefined : fitIndex(sorted, bitrate);
        const index = sorted.findIndex((r) => r.track === current);
        const rendition = sorted[index];
        const next = sorted[index + 1];
        // The index of the rendition to play: below `index` is a step down, above it a step up
        // (or the initial choice, when `current` is none of the renditions).
        let to = index;
        let reason: MbrReason | undefined;
        if (!rendition) {
            // The heaviest the available bandwidth fits with headroom, else the heaviest.
            to = fitting(available === undefined ? undefined : available / o.upHeadroom) ?? sorted.length - 1;
            reason = 'initial';
        } else {
            if (this._lastDecision !== undefined && current !== this._lastDecision) {
                // Someone else changed the track: measure the new one from scratch.
                this._afterSwitch(now);
            }
            // A step up that held long enough succeeded: the next one needs the base clean time again.
            // (Monotonic time: the step up stays that old until the next switch replaces it.)
            if (this._lastUpAt !== undefined && now - this._lastUpAt >= o.failedUpWindowMs) this._hold = o.holdMs;
            // Signals right after a switch still describe the previous rendition.
            const settling = this._switchedAt !== undefined && now - this._switchedAt < o.settleMs;
            // What says the path is congested, in order of weight (signals right after a switch
            // still describe the previous rendition).
            let congestion: MbrReason | undefined;
            if (!settling) {
                if (lossPercent > o.burstLossPercent) congestion = 'burst-loss';
                else if (this._lossStreak > 1) congestion = 'loss';
                else if (newFreeze) congestion = 'freeze';
                else if (this._jitterBufferGrowing()) congestion = 'jitter-buffer';
            }
            const clean =
                lossPercent < o.cleanLossPercent &&
                !newFreeze &&
                sample.receivedBitrate > 0 &&
                (sample.nackRate ?? 0) <= o.cleanNackRate &&
                (sample.jitterBufferMs ?? 0) <= o.jitterBufferMs;
            this._cleanSince = clean ? (this._cleanSince ?? now) : undefined;
            const bitrate = positive(rendition.bitrate);
            const bandwidthShort =
                available !== undefined && bitrate !== undefined && available < o.downRatio * bitrate;
            if (index > 0 && (congestion || bandwidthShort)) {
                // One step down, or straight to the rendition the available bandwidth fits.
                to = Math.min(index - 1, fitting(available) ?? index);
                reason = congestion ?? 'bandwidth';
            } else if (next && this._cleanSince !== undefined && now - this._cleanSince >= this._hold) {
                // Without a bandwidth estimate or a known bitrate, the clean time suffices.
                const needed = positive(next.bitrate);
                const estimate = available === undefined ? undefined : Math.max(available, sample.receivedBitrate);
                if (needed === undefined || estimate === undefined || estimate >= needed * o.upHeadroom) {
                    to = index + 1;
                    reason = 'clean';
                }
            }
        }
        if (to !== index) {
            // A step down soon after a step up: that step up failed, wait longer before the next.
            const soonAfterUp = this._lastUpAt !== undefined && now - this._lastUpAt < o.failedUpWindowMs;
            if (to < index && soonAfterUp) {
                this._hold = Math.max(o.holdMs, Math.min(o.maxHoldMs, this._hold * 2));
            }
            this._lastUpAt = rendition && to > index ? now : undefined;
            this._afterSwitch(now);
        }
        // No renditions: undefined (one rendition is never stepped from: no index below or above).
        if (to !== index) this.reason = reason;
        return (this._lastDecision = sorted[to]?.track);
    }

    /**
     * Keeps the samples with a jitter buffer since the last switch and the last decrease (a
     * decrease ends a steady growth), with one at or before the window's start so that the kept
     * samples span the window.
     */
    private _recordJitterBuffer(sample: MbrSample): void {
        const delay = sample.jitterBufferMs;
        if (delay === undefined || !Number.isFinite(delay)) return;
        const last = this._jitterBuffer[this._jitterBuffer.length - 1];
        if (last && delay < last.delay) this._jitterBuffer = [];
        const history = this._jitterBuffer;
        history.push({ now: sample.now, delay });
        const windowStart = sample.now - this._options.jitterBufferWindowMs;
        while (history.length > 1 && history[1]!.now <= windowStart) history.shift();
    }

    /** Whether the jitter buffer grew steadily over the window, to above its limit. */
    private _jitterBufferGrowing(): boolean {
        const o = this._options;
        const history = this._jitterBuffer;
        const first = history[0];
        const last = history[history.length - 1];
        if (!first || !last) return false;
        return (
            last.now - first.now >= o.jitterBufferWindowMs &&
            last.delay > o.jitterBufferMs &&
            last.delay - first.delay >= o.jitterBufferGrowthMs
        );
    }

    /** {@inheritDoc RenditionSelector.reset} */
    override reset(): void {
        super.reset();
        this._hold = this._options.holdMs;
        this._freezes = this._lastUpAt = this._lastDecision = undefined;
        this._afterSwitch(undefined);
    }

    private _afterSwitch(now: number | undefined): void {
        this._switchedAt = now;
        this._cleanSince = undefined;
        this._lossStreak = 0;
        this._jitterBuffer = [];
    }
}

/**
 * Index of the heaviest rendition whose known bitrate fits `bitrate` (0 when none fits), or
 * `undefined` when no rendition has a known bitrate.
 */
function fitIndex(sorted: Rendition[], bitrate: number): number | undefined {
    let fit: number | undefined;
    sorted.forEach((r, i) => {
        const known = positive(r.bitrate);
        if (known !== undefined) fit = known <= bitrate ? i : (fit ?? 0);
    });
    return fit;
}
