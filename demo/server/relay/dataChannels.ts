/**
 * The data channels of a session, as the relay uses them: what werift's `RTCDataChannel` offers
 * (so that tests can hand in a plain object), the labels that mean something, and text frames
 * sent and received within bounds.
 *
 * MistServer's conventions, which the reference server follows: a channel labelled `MistControl`
 * carries the signaling commands and their replies (the way to switch tracks on a WHEP session);
 * on a play session, one labelled (or with the protocol) `JSON`, `subtitle` or `*` receives the
 * stream's timed data; on a publish session, any other channel sends the publisher's own timed
 * data, which becomes a data track of the stream.
 */

/** A data channel as werift's `RTCDataChannel` shows it (the parts the relay uses). */
export interface PeerDataChannel {
    readonly label: string;
    readonly protocol: string;
    readonly readyState: string;
    send(data: string): void;
    close(): void;
    readonly onMessage: { subscribe(fn: (data: string | Buffer) => void): unknown };
}

/** The label of the channel of commands (MistServer's). */
export const CONTROL_LABEL = 'MistControl';

/** Labels (or protocols) of a player's channel of timed data (MistServer's). */
const DATA_LABELS = new Set(['JSON', 'subtitle', '*']);

/** Largest text frame read from a data channel (a command, a publisher's item), bytes. */
export const MAX_CHANNEL_FRAME_BYTES = 64 * 1024;

/** Whether `channel` is a player's channel of timed data. */
export function isDataChannelFor(channel: PeerDataChannel): boolean {
    return DATA_LABELS.has(channel.label) || DATA_LABELS.has(channel.protocol);
}

/** Sends `text` when the channel is open; a channel closing under our feet drops it. */
export function sendText(channel: PeerDataChannel, text: string): void {
    if (channel.readyState !== 'open') return;
    try {
        channel.send(text);
    } catch {
        // Closing: nothing more will be carried.
    }
}

/**
 * Calls `onText` with each text frame of `channel` up to {@link MAX_CHANNEL_FRAME_BYTES}; binary
 * and larger frames are dropped (`onDropped` says why).
 */
export function onText(
    channel: PeerDataChannel,
    onTextFrame: (text: string) => void,
    onDropped: (why: string) => void,
): void {
    channel.onMessage.subscribe((data) => {
        if (typeof data !== 'string') return onDropped('binary frame');
        if (Buffer.byteLength(data) > MAX_CHANNEL_FRAME_BYTES) return onDropped('frame too large');
        onTextFrame(data);
    });
}
