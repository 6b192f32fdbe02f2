import type { ConnectParams } from './types';

/**
 * The ICE servers `params` names: `iceServers`, and `iceServer` (one server, the name the Ceeblue
 * client uses) after them; `undefined` when there are none (the browser's default: none).
 */
export function iceServersOf(params: ConnectParams): RTCIceServer[] | undefined {
    const servers = [...(params.iceServers ?? []), ...(params.iceServer ? [params.iceServer] : [])];
    return servers.length ? servers : undefined;
}
