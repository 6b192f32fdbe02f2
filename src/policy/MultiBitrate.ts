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
    /** Video freezes since the session started (cumulative, as `inbound-rtp.freezeCount`). */
    freezeCount: number;
    /** Average jitter-buffer delay over the last interval, ms. */
    jitterBufferMs?: number;
    /** Incoming bandwidth estimated by the browser, bits per second. */
    availableBitrate?: number;
    /** Bitrate actually received over the last interval, bits per second. */
    receivedBitrate: number;
}

/**
 * Chooses the video rendition of a player. The `Player` calls {@link RenditionSelector.decide}
 * once per stats sample while the video track is automatic, and applies the track it returns;
 * pass your own implementation as the player's `mbr` option to replace {@link MultiBitrate}.
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
const hasBitrate = (r: Rendition): r is Rendition & { bitrate: number } =>
    typeof r.bitrate === 'number' && Number.isFinite(r.bitrate) && r.bitrate > 0;

/**
 * Renditions from the lightest to the heaviest: by resolution (width × height) when every
 * rendition has one — a stable rank, where a server's measured bitrates fluctuate (a simulcast
 * layer ramping up can briefly measure below a smaller one) — then by bitrate, then by track;
 * by bitrate otherwise. Duplicate tracks are dropped.
 */
export function sortRenditions(renditions: readonly Rendition[]): Rendition[] {
    const seen = new Set<number>();
    const unique = renditions.filter((r) => Number.isFinite(r.track) && !seen.has(r.track) && seen.add(r.track));
    const bySize = unique.every((r) => pixels(r) > 0);
    return unique.sort((a, b) =>
        bySize
            ? pixels(a) - pixels(b) || (a.bitrate ?? 0) - (b.bitrate ?? 0) || a.track - b.track
            : (a.bitrate ?? 0) - (b.bitrate ?? 0) || pixels(a) - pixels(b) || a.track - b.track,
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
 * const mbr = new MultiBitrate();
 * let track: number | undefined = 0;
 * // once a second:
 * const next = mbr.decide(sample, renditions, track);
 * if (next !== undefined && next !== track) await connector.setVideoTrack((track = next));
 * ```
 */
export class MultiBitrate implements RenditionSelector {
    private readonly _options: Required<MultiBitrateOptions>;
    private _hold: number;
    private _previous: MbrSample | undefined;
    private _lossStreak = 0;
    private _cleanSince: number | undefined;
    private _jitterBuffer: { now: number; ms: number }[] = [];
    private _switchedAt: number | undefined;
    private _lastUpAt: number | undefined;
    private _lastDecision: number | undefined;

    constructor(options: MultiBitrateOptions = {}) {
        const merged = { ...DEFAULTS };
        for (const key of Object.keys(DEFAULTS) as (keyof MultiBitrateOptions)[]) {
            const value = options[key];
            if (typeof value === 'number' && !Number.isNaN(value) && value >= 0) merged[key] = value;
        }
        merged.maxHoldMs = Math.max(merged.maxHoldMs, merged.holdMs);
        this._options = merged;
        this._hold = merged.holdMs;
    }

    /** The clean time currently required before stepping up, ms (grows after failed up-switches). */
    get holdMs(): number {
        return this._hold;
    }

    /** {@inheritDoc RenditionSelector.decide} */
    decide(sample: MbrSample, renditions: readonly Rendition[], current: number | undefined): number | undefined {
        const sorted = sortRenditions(renditions);
        const o = this._options;
        const { now } = sample;
        const previous = this._previous;
        this._previous = sample;
        if (sorted.length === 0) return undefined;
        const first = sorted[0] as Rendition;
        if (sorted.length === 1) return this._decided(first.track);

        // A cumulative counter that went down means a new session: not a freeze.
        const newFreeze = previous !== undefined && sample.freezeCount > previous.freezeCount;
        this._lossStreak = sample.lossPercent > o.lossPercent ? this._lossStreak + 1 : 0;
        if (sample.jitterBufferMs !== undefined && Number.isFinite(sample.jitterBufferMs)) {
            this._jitterBuffer.push({ now, ms: sample.jitterBufferMs });
            // Keep one sample at or before the window's start, so the kept samples span the window.
            while (
                this._jitterBuffer.length > 1 &&
                (this._jitterBuffer[1] as { now: number }).now <= now - o.jitterBufferWindowMs
            ) {
                this._jitterBuffer.shift();
            }
        }

        const index = current === undefined ? -1 : sorted.findIndex((r) => r.track === current);
        if (index < 0) return this._switch(now, this._initial(sorted, sample).track, 'initial');
        if (this._lastDecision !== undefined && current !== this._lastDecision) {
            // Someone else changed the track: measure the new one from scratch.
            this._afterSwitch(now);
        }
        const rendition = sorted[index] as Rendition;
        const available = finitePositive(sample.availableBitrate);
        const settling = this._switchedAt !== undefined && now - this._switchedAt < o.settleMs;

        // A step up that held long enough succeeded: the next one needs the base clean time again.
        if (this._lastUpAt !== undefined && now - this._lastUpAt >= o.failedUpWindowMs) {
            this._lastUpAt = undefined;
            this._hold = o.holdMs;
        }

        // Down.
        const short = available !== undefined && hasBitrate(rendition) && available < o.downRatio * rendition.bitrate;
        const congested =
            !settling &&
            (this._lossStreak >= 2 ||
                sample.lossPercent > o.burstLossPercent ||
                newFreeze ||
                this._jitterBufferGrowing());
        if ((short || congested) && index > 0) {
            let target = index - 1;
            if (available !== undefined) target = Math.min(target, fitIndex(sorted, available) ?? target);
            return this._switch(now, (sorted[target] as Rendition).track, 'down');
        }

        // Up.
        const clean =
            sample.lossPercent < o.cleanLossPercent &&
            !newFreeze &&
            sample.receivedBitrate > 0 &&
            (sample.nackRate ?? 0) <= o.cleanNackRate &&
            (sample.jitterBufferMs ?? 0) <= o.jitterBufferMs;
        if (!clean) this._cleanSince = undefined;
        else this._cleanSince ??= now;
        const next = sorted[index + 1];
        if (next && this._cleanSince !== undefined && now - this._cleanSince >= this._hold) {
            const capacity = available === undefined ? undefined : Math.max(available, sample.receivedBitrate);
            if (capacity === undefined || !hasBitrate(next) || capacity >= next.bitrate * o.upHeadroom) {
                return this._switch(now, next.track, 'up');
            }
        }
        return this._decided(rendition.track);
    }

    /** {@inheritDoc RenditionSelector.reset} */
    reset(): void {
        this._hold = this._options.holdMs;
        this._previous = undefined;
        this._lossStreak = 0;
        this._cleanSince = undefined;
        this._jitterBuffer = [];
        this._switchedAt = undefined;
        this._lastUpAt = undefined;
        this._lastDecision = undefined;
    }

    /** Without a current track: the heaviest the available bandwidth fits with headroom, else the heaviest. */
    private _initial(sorted: Rendition[], sample: MbrSample): Rendition {
        const available = finitePositive(sample.availableBitrate);
        const fit = available === undefined ? undefined : fitIndex(sorted, available / this._options.upHeadroom);
        return sorted[fit ?? sorted.length - 1] as Rendition;
    }

    private _jitterBufferGrowing(): boolean {
        const o = this._options;
        const history = this._jitterBuffer;
        const first = history[0];
        const last = history[history.length - 1];
        if (!first || !last || last.now - first.now < o.jitterBufferWindowMs) return false;
        if (last.ms <= o.jitterBufferMs || last.ms - first.ms < o.jitterBufferGrowthMs) return false;
        return history.every((h, i) => i === 0 || h.ms >= (history[i - 1] as { ms: number }).ms);
    }

    private _switch(now: number, track: number, direction: 'up' | 'down' | 'initial'): number {
        const o = this._options;
        if (direction === 'down' && this._lastUpAt !== undefined && now - this._lastUpAt < o.failedUpWindowMs) {
            this._hold = Math.min(o.maxHoldMs, this._hold * 2);
        }
        this._lastUpAt = direction === 'up' ? now : undefined;
        this._afterSwitch(now);
        return this._decided(track);
    }

    private _afterSwitch(now: number): void {
        this._switchedAt = now;
        this._cleanSince = undefined;
        this._lossStreak = 0;
        this._jitterBuffer = [];
    }

    private _decided(track: number): number {
        this._lastDecision = track;
        return track;
    }
}

function finitePositive(value: number | undefined): number | undefined {
    return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/**
 * Index of the heaviest rendition whose known bitrate fits `bitrate` (0 when none fits), or
 * `undefined` when no rendition has a known bitrate.
 */
function fitIndex(sorted: Rendition[], bitrate: number): number | undefined {
    let fit: number | undefined;
    sorted.forEach((r, i) => {
        if (hasBitrate(r)) {
            fit ??= 0;
            if (r.bitrate <= bitrate) fit = i;
        }
    });
    return fit;
}
