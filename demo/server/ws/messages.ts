/** The client → server frames of the WebSocket signaling, as far as the server reads them. */

/** A decoded client frame: a JSON object with a string `type`. */
export type ClientMessage = Record<string, unknown> & { type: string };

/** Every command of PROTOCOL.md; others get `on_error` "Unknown command". */
const KNOWN_COMMANDS = new Set([
    'offer_sdp',
    'rtp_props',
    'video_bitrate',
    'keyframe_interval',
    'tracks',
    'seek',
    'play',
    'hold',
    'pause',
    'set_speed',
    'fast_forward',
    'stop',
]);

export function isKnownCommand(type: string): boolean {
    return KNOWN_COMMANDS.has(type);
}

/**
 * A frame as the server treats it: a message, `'untyped'` (JSON, but not an object with a string
 * type: the client is told), or `'ignored'` (binary or not JSON: logged only).
 */
export function decodeMessage(data: unknown, isBinary: boolean): ClientMessage | 'untyped' | 'ignored' {
    if (isBinary) return 'ignored';
    let msg: unknown;
    try {
        msg = JSON.parse(String(data));
    } catch {
        return 'ignored';
    }
    const typed =
        typeof msg === 'object' &&
        msg !== null &&
        !Array.isArray(msg) &&
        typeof (msg as { type?: unknown }).type === 'string';
    return typed ? (msg as ClientMessage) : 'untyped';
}
