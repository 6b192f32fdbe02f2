/**
 * rtcwire — play a live WebRTC stream by name, or publish a camera, through a media server.
 *
 * Facades: {@link Player} and {@link Streamer} (reconnection, multi-bitrate, adaptive bitrate,
 * stats). Connectors: {@link WSController} (MistServer-compatible WebSocket signaling) and
 * {@link HTTPConnector} (WHIP/WHEP). A stream's live description: {@link StreamMetadata}; its
 * timed data: the Player's `data` event, {@link DataSocket}. Errors: {@link RtcError}. The `<rtcwire-player>` element is
 * its own entry point, `rtcwire/element`.
 * @module rtcwire
 */
export { RtcError, fromDomException } from './core/RtcError';
export type { RtcErrorCode, RtcErrorOptions } from './core/RtcError';
export { Emitter } from './core/Emitter';
export type { EventMap, EventHandlers, EventName, HandlerName, Listener, ListenOptions } from './core/Emitter';
export { createLogger } from './core/logger';
export type { Logger, LogLevel } from './core/logger';
export { buildWebSocketUrl, buildHttpUrl, transportOf } from './core/endpoint';
export type { Endpoint, Transport } from './core/endpoint';
export type {
    ConnectParams,
    ConnectorOptions,
    ConnectorState,
    FetchFunction,
    MediaKind,
    RTCPeerConnectionConstructor,
    VideoCodec,
    WebSocketConstructor,
} from './core/types';

export { Connector } from './connectors/Connector';
export type { ConnectorClass, ConnectorEvents, ConnectorTimings } from './connectors/Connector';
export { CommandConnector } from './connectors/CommandConnector';
export type { CommandConnectorEvents, TrackChoice, TrackSelection } from './connectors/CommandConnector';
export { WSController } from './connectors/WSController';
export type { WSControllerEvents } from './connectors/WSController';
export { HTTPConnector } from './connectors/HTTPConnector';
export { parseIceServerLinks } from './connectors/links';
export type { ConnectionInfos, InboundInfos, OutboundInfos } from './stats/connectionInfos';
export type {
    AnswerSdpMessage,
    ErrorMessage,
    KeyframeIntervalMessage,
    MediaReceiveMessage,
    MediaReport,
    PauseMessage,
    PlayRate,
    PlayingInfos,
    RTPProps,
    RTPPropsMessage,
    SeekInfos,
    SeekMessage,
    ServerMessage,
    SpeedInfos,
    SpeedMessage,
    StopInfos,
    StopMessage,
    TimeMessage,
    TrackDropInfo,
    TrackDropMessage,
    VideoBitrateInfos,
    VideoBitrateMessage,
    WarningMessage,
} from './signaling/messages';

export { Metadata, MAX_METADATA_TRACKS } from './metadata/Metadata';
export type { MetadataLimits, MetadataTrack, TrackKind } from './metadata/Metadata';
export { StreamMetadata, metadataUrl } from './metadata/StreamMetadata';
export type { MetadataTransport, StreamMetadataEvents, StreamMetadataOptions } from './metadata/StreamMetadata';
export { readStreamDocument, MAX_METADATA_LENGTH } from './metadata/streamDocument';
export type { StreamDocument } from './metadata/streamDocument';
export { streamStateOf } from './metadata/streamState';
export type { StreamState } from './metadata/streamState';
export { DataSocket } from './data/DataSocket';
export type { DataSocketEvents, DataSocketOptions } from './data/DataSocket';
export { readTimedData, MAX_TIMED_DATA_LENGTH } from './data/timedData';
export type { TimedData } from './data/timedData';

export { Player } from './facades/Player';
export type { PlayerEvents, PlayerOptions, PlayerStartOptions, PlayerState, RenditionChange } from './facades/Player';
export { Streamer } from './facades/Streamer';
export type { StreamerEvents, StreamerOptions, StreamerState } from './facades/Streamer';
export type { ConnectorKind, FacadeEvents, FacadeOptions, ReconnectInfo, SessionTimings } from './facades/FacadeBase';
export { DefaultMultiBitrate, MultiBitrate, sortRenditions } from './policy/MultiBitrate';
export type { MbrReason, MbrSample, MultiBitrateOptions, Rendition, RenditionSelector } from './policy/MultiBitrate';
export { AdaptiveBitrate, DefaultAdaptiveBitrate } from './policy/AdaptiveBitrate';
export type { AbrReason, AbrSample, AdaptiveBitrateOptions } from './policy/AdaptiveBitrate';
export type { LatencyMode } from './policy/latency';
export type { BackoffOptions } from './policy/backoff';
export type { PlayerStats, StreamerStats } from './policy/QualityScore';
export { formatCmcd, toCmcd } from './stats/cmcd';
export type { CmcdData, CmcdOptions } from './stats/cmcd';
export { Telemetry } from './stats/Telemetry';
export type { StatsSource, TelemetryBatch, TelemetryOptions } from './stats/Telemetry';
