/** Whether a (peer or ICE) connection state means connected. */
export function isConnected(state: string): boolean {
    return state === 'connected' || state === 'completed';
}

/** The state of the media path of `pc`: ICE and DTLS (`connectionState`; browsers without it have only `iceConnectionState`). */
export function mediaState(pc: RTCPeerConnection): RTCPeerConnectionState | RTCIceConnectionState {
    return pc.connectionState ?? pc.iceConnectionState;
}

/** Whether the media path of `pc` is up: ICE and DTLS connected. */
export function isMediaConnected(pc: RTCPeerConnection | undefined): boolean {
    return pc !== undefined && isConnected(mediaState(pc));
}
