import { FakePeerConnection } from './FakePeerConnection';
import { FakeWebSocket } from './FakeWebSocket';

/** A logger that logs nothing. */
export const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The connectors' platform in Node: the fake WebSocket and peer connection, logging nothing. */
export const fakePlatform = {
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
    RTCPeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection,
    logger: silent,
};
