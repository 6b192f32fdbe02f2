/** Whether a (peer or ICE) connection state means connected. */
export function isConnected(state: string): boolean {
    return state === 'connected' || state === 'completed';
}

/**
 * Whether the media path of `pc` is up: ICE and DTLS connected (`connectionState`; browsers
 * without it have only `iceConnectionState`).
 */
export function isMediaConnected(pc: RTCPeerConnection | undefined): boolean {
    if (!pc) return false;
    return isConnected(pc.connectionState ?? pc.iceConnectionState);
}
