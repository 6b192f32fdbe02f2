/**
 * Which video layer a player is sent, and how it gets there without waiting: a player that joins
 * or switches is sent the layer's cached GOP at once (keyframe and the frames since), else it
 * waits for the layer's next keyframe, requested now. Either way its sequence numbers and
 * timestamps continue (see {@link Outbound}).
 */
import type { RtpPacket } from 'werift';
import type { Outbound } from './Outbound.ts';
import type { Track } from './Track.ts';

/** A player's PLI is answered with a GOP replay at most this often (a replay is a burst). */
export const REPLAY_INTERVAL_MS = 1000;

/** Replayed frames are spaced this far apart, ms (see {@link VideoForwarder.replayGop}). */
const REPLAY_FRAME_SPACING_MS = 1;

export class VideoForwarder {
    /** the layer being sent now */
    current?: Track;
    /** the layer to switch to at its next keyframe */
    pending?: Track;
    private lastReplayAt = 0;

    constructor(
        private readonly out: Outbound,
        /** ask the publisher for a keyframe of `track`; urgent = the player has nothing to show */
        private readonly requestKeyframe: (track: Track, urgent: boolean) => void,
    ) {}

    /** Start sending `target` (undefined: no video). */
    switchTo(target: Track | undefined, now: number): void {
        if (!target) {
            this.stop();
            return;
        }
        const cached = target.gop.size > 0;
        if (cached) this.replayGop(target, now);
        else this.pending = target;
        this.requestKeyframe(target, !cached);
    }

    stop(): void {
        this.current = this.pending = undefined;
    }

    /** A packet of `track` from the publisher; `key` = it starts a new keyframe. */
    onPacket(track: Track, rtp: RtpPacket, key: boolean, now: number): void {
        if (track === this.pending && key) {
            if (this.out.lastSentAt) this.out.restart(this.out.ticksSinceLastSent(now));
            this.current = track;
            this.pending = undefined;
        }
        if (track === this.current) this.out.send(rtp, now);
    }

    /** The player lost its picture (PLI or FIR): the cached GOP answers at once, a keyframe follows. */
    pictureLost(now: number): void {
        const track = this.pending ?? this.current;
        if (!track) return;
        if (track.gop.size && now - this.lastReplayAt > REPLAY_INTERVAL_MS) this.replayGop(track, now);
        this.requestKeyframe(track, false);
    }

    /**
     * Sends `track`'s cached GOP now. Its frames' timestamps are squeezed into the last few ms
     * (the newest keeps its own, so live packets follow seamlessly): played at their real spacing
     * the GOP's length would become the player's latency.
     */
    private replayGop(track: Track, now: number): void {
        const gop = track.gop.packets;
        const frames: number[] = [];
        for (const p of gop) if (frames[frames.length - 1] !== p.header.timestamp) frames.push(p.header.timestamp);
        const newest = frames[frames.length - 1]!;
        const step = Math.round((track.codec.clockRate * REPLAY_FRAME_SPACING_MS) / 1000);
        const squeezed = new Map(frames.map((ts, i) => [ts, (newest - (frames.length - 1 - i) * step) >>> 0]));
        if (this.out.lastSentAt) this.out.restart(this.out.ticksSinceLastSent(now));
        this.current = track;
        this.pending = undefined;
        this.lastReplayAt = now;
        for (const p of gop) this.out.send(p, now, squeezed.get(p.header.timestamp));
    }
}
