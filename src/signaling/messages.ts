/**
 * Messages of the MistServer-compatible WebSocket signaling (see PROTOCOL.md).
 *
 * Server → client messages are the *decoded* shapes produced by `decodeServerMessage`: the wire
 * `type` is kept as the discriminant, fields are validated, renamed to camelCase and normalised
 * (numeric strings coerced, `on_time` read from `data` or from the top level).
 * Client → server messages are the exact wire shapes.
 *
 * @packageDocumentation
 */

/** A playback rate as servers report it: a factor (1 = real time), `'auto'` or `'fast-forward'`. */
export type PlayRate = number | 'auto' | 'fast-forward';

/** Playback position of a play session, from `on_time` (all times in ms). */
export interface PlayingInfos {
    /** Start of the seekable buffer. */
    begin: number;
    /** Current playback position. */
    current: number;
    /** End of the seekable buffer (the live point for a live stream). */
    end: number;
    /** Server-side jitter estimate. */
    jitter?: number;
    /** Current playback rate. */
    playRate?: PlayRate;
    /** Indices of the tracks being sent. */
    tracks: number[];
    /** Offset to add to the media times to get a Unix time in ms. */
    unixOffset?: number;
    /** Time of the next packet the server will send. */
    next?: number;
}

/** Playback rate change, from `set_speed`. */
export interface SpeedInfos {
    /** The new rate. */
    playRate: PlayRate;
    /** The rate before the change. */
    playRatePrev?: PlayRate;
    /** Whether playback is at the live point. */
    livePoint?: boolean;
}

/** Result of a seek, from the `seek` reply. */
export interface SeekInfos {
    /** Whether playback is at the live point after the seek. */
    livePoint?: boolean;
    /** Current playback rate. */
    playRate?: PlayRate;
}

/**
 * RTP retransmission settings, from `on_rtp_props`, counted in packets (sequence-number
 * distance), not milliseconds. MistServer's defaults: 5 / 30 (15 / 90 for mobile user agents).
 */
export interface RTPProps {
    /** How many packets past a missing one the server waits before it NACKs it. */
    nack: number;
    /** How many packets past a missing one the server gives it up. */
    drop: number;
}

/** The accepted publish bitrate, from `on_video_bitrate`. */
export interface VideoBitrateInfos {
    /** The bitrate the server accepted, bits per second. */
    videoBitrate: number;
    /** The maximum the server will allow, bits per second. */
    constraint: number;
}

/** Publish-side reception statistics, from `on_media_receive`. */
export interface MediaReport {
    /** Server-side media time of the report, ms. */
    millis: number;
    /** Codecs of the received tracks. */
    tracks: string[];
    /** Reception statistics; a field is absent when the server does not send it. */
    stats: {
        /** Jitter the server measures on the received media, ms (`jitter_ms`). */
        jitterMs?: number;
        /** Number of lost packets, as the server counts them (`loss_num`). */
        lossNum?: number;
        /**
         * Packet loss, percent (0–100) (`loss_perc`). When recent, the {@link Streamer}'s adaptive
         * bitrate uses it instead of the browser's RTCP figure.
         */
        lossPerc?: number;
        /** Number of NACKs (retransmission requests) the server sent (`nack_num`). */
        nackNum?: number;
    };
}

/** A track the server dropped, from `on_track_drop`. */
export interface TrackDropInfo {
    /** Index of the dropped track. */
    track: number;
    /** Its media type (`'audio'`, `'video'` …). */
    mediaType: string;
}

/** Final position of an ended stream, from `on_stop` (each field absent if not sent). */
export interface StopInfos {
    /** Start of the buffer, ms. */
    begin?: number;
    /** Last playback position, ms. */
    current?: number;
    /** End of the buffer, ms. */
    end?: number;
}

/** `on_answer_sdp`: the server's answer; `result: false` means the session is refused. */
export type AnswerSdpMessage =
    | {
          /** The wire type, `on_answer_sdp`. */
          type: 'on_answer_sdp';
          /** Accepted. */
          result: true;
          /** The server's SDP answer. */
          answerSdp: string;
      }
    | {
          /** The wire type, `on_answer_sdp`. */
          type: 'on_answer_sdp';
          /** Refused (not allowed, or the stream does not accept pushes): not retryable. */
          result: false;
          /** An SDP some servers send anyway; ignored. */
          answerSdp?: string;
      };

/** `on_error`: fatal before the answer, a failed command after it. */
export interface ErrorMessage {
    /** The wire type, `on_error`. */
    type: 'on_error';
    /** The client command that failed, when the server says. */
    command?: string;
    /** The server's text. */
    message: string;
}

/** `on_time`: playback position, about once per second (play sessions). */
export interface TimeMessage {
    /** The wire type, `on_time`. */
    type: 'on_time';
    /** The position, normalised from `data` or top-level fields. */
    infos: PlayingInfos;
}

/** `set_speed`: playback rate changed. */
export type SpeedMessage =
    | {
          /** The wire type, `set_speed`. */
          type: 'set_speed';
          /** The new rate and the previous one. */
          infos: SpeedInfos;
      }
    | {
          /** The wire type, `set_speed`. */
          type: 'set_speed';
          /** Why the rate did not change (MistServer sends this instead of `data`). */
          error: string;
      };

/** `seek`: seek done. */
export type SeekMessage =
    | {
          /** The wire type, `seek`. */
          type: 'seek';
          /** Where playback is after the seek. */
          infos: SeekInfos;
      }
    | {
          /** The wire type, `seek`. */
          type: 'seek';
          /** Why the seek failed (`seek_time missing`, `seek failed, continuing as-is`). */
          error: string;
      };

/** `pause`: paused state. */
export interface PauseMessage {
    /** The wire type, `pause`. */
    type: 'pause';
    /** Whether forwarding is paused. */
    paused: boolean;
}

/** `on_video_bitrate`: accepted publish bitrate. */
export interface VideoBitrateMessage extends VideoBitrateInfos {
    /** The wire type, `on_video_bitrate`. */
    type: 'on_video_bitrate';
}

/** `on_rtp_props`: current RTP settings. */
export interface RTPPropsMessage extends RTPProps {
    /** The wire type, `on_rtp_props`. */
    type: 'on_rtp_props';
}

/** `on_keyframe_interval`: accepted keyframe request interval. */
export interface KeyframeIntervalMessage {
    /** The wire type, `on_keyframe_interval`. */
    type: 'on_keyframe_interval';
    /** The accepted interval, ms. */
    interval: number;
}

/** `on_media_receive`: publish-side reception report. */
export interface MediaReceiveMessage {
    /** The wire type, `on_media_receive`. */
    type: 'on_media_receive';
    /** The reception report. */
    report: MediaReport;
}

/** `on_track_drop`: the server dropped a track. */
export interface TrackDropMessage extends TrackDropInfo {
    /** The wire type, `on_track_drop`. */
    type: 'on_track_drop';
}

/** `on_stop`: the stream ended; the socket closes next. */
export interface StopMessage {
    /** The wire type, `on_stop`. */
    type: 'on_stop';
    /** The final position. */
    infos: StopInfos;
}

/** `warning`: a command was ignored. */
export interface WarningMessage {
    /** The wire type, `warning`. */
    type: 'warning';
    /** The server's text. */
    text: string;
}

/** Every server → client message, discriminated by `type`. */
export type ServerMessage =
    | AnswerSdpMessage
    | ErrorMessage
    | TimeMessage
    | SpeedMessage
    | SeekMessage
    | PauseMessage
    | VideoBitrateMessage
    | RTPPropsMessage
    | KeyframeIntervalMessage
    | MediaReceiveMessage
    | TrackDropMessage
    | StopMessage
    | WarningMessage;

/** The `type` of a server message. */
export type ServerMessageType = ServerMessage['type'];

/** A track choice on the wire: an index as a string, `'auto'` or `'none'`. */
export type WireTrack = string;

/** Every client → server message, in its wire shape. */
export type ClientMessage =
    | { type: 'offer_sdp'; offer_sdp: string }
    | { type: 'video_bitrate'; video_bitrate: number }
    | { type: 'rtp_props'; nack?: number; drop?: number }
    | { type: 'keyframe_interval'; keyframe_interval_millis: number }
    | { type: 'tracks'; audio?: WireTrack; video?: WireTrack; meta?: WireTrack; seek_time?: number }
    | { type: 'seek'; seek_time: number }
    | { type: 'play'; seek_time?: number }
    | { type: 'hold' }
    | { type: 'pause' }
    | { type: 'set_speed'; play_rate: number }
    | { type: 'fast_forward'; ff_to: number }
    | { type: 'stop' };

/** The `type` of a client message. */
export type ClientMessageType = ClientMessage['type'];

/** A message outside the documented set, sent through `WSController.send()`. */
export interface CustomClientMessage {
    type: string;
    [field: string]: unknown;
}
