/**
 * Playout latency: how long the browser's jitter buffer holds media before it plays it out. Lower
 * is closer to live; higher rides out more network jitter without freezing.
 *
 * @packageDocumentation
 */

/**
 * A player's latency choice:
 * - `'lowest'`: as little buffering as the browser allows (a jitter-buffer target of 0 ms);
 * - `'balanced'`: the browser's own adaptive buffering (the default);
 * - a number: that target, ms (the browser may not go below what the network needs).
 */
export type LatencyMode = 'lowest' | 'balanced' | number;

/** A receiver, where `jitterBufferTarget` (ms) or the older `playoutDelayHint` (s) may be missing. */
type Receiver = Omit<RTCRtpReceiver, 'jitterBufferTarget'> & {
    jitterBufferTarget?: number | null;
    playoutDelayHint?: number | null;
};

/** The jitter-buffer target of `mode`, ms, or `undefined` for the browser's own (`'balanced'`). */
export function jitterTargetOf(mode: LatencyMode | undefined): number | undefined {
    if (mode === 'lowest') return 0;
    if (typeof mode === 'number' && Number.isFinite(mode) && mode >= 0) return mode;
    return undefined;
}

/**
 * Sets the jitter-buffer target of every receiver of `pc` to `ms` (`undefined`: back to the
 * browser's default): `RTCRtpReceiver.jitterBufferTarget` where the browser has it, else Chrome's
 * older `playoutDelayHint` (in seconds). Returns whether any receiver took it.
 */
export function applyJitterTarget(pc: RTCPeerConnection, ms: number | undefined): boolean {
    let applied = false;
    for (const receiver of pc.getReceivers() as Receiver[]) {
        try {
            if ('jitterBufferTarget' in receiver) {
                receiver.jitterBufferTarget = ms ?? null;
                applied = true;
            } else if ('playoutDelayHint' in receiver) {
                receiver.playoutDelayHint = ms === undefined ? null : ms / 1000;
                applied = true;
            }
        } catch {
            // A value out of the browser's range (RangeError): its default stays.
        }
    }
    return applied;
}
