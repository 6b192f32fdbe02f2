import type { Connector } from '../connectors/Connector';
import type { ConnectParams } from '../core/types';
import { DataSocket, type DataSocketOptions } from '../data/DataSocket';

/** What the source hands on: one item, in the media's clock. */
export type TimedDataSink = (time: number, track: number, data: unknown, duration?: number) => void;

/**
 * Where a {@link Player}'s timed data comes from: the live session's data channel, and where the
 * session has none (the server's answer rejects it, or it does not open in time), MistServer's
 * data WebSocket for the wanted tracks — opened only when the stream has data tracks, or the app
 * asked for some, and the app listens (a socket for data nobody reads would cost the server for
 * nothing). A channel that was open and closed does not send the session to the data WebSocket:
 * the session is ending (the stream stopped, the connection went), and the next one decides.
 * Items of tracks the app did not ask for are dropped (a server may send every track).
 * @internal
 */
export class TimedDataSource {
    /** The tracks the app asked for (`undefined`: every data track of the stream). */
    private _wanted: readonly number[] | undefined;
    /** The stream's data tracks, from its metadata. */
    private _streamTracks: readonly number[] = [];
    private _connector: Connector | undefined;
    private _params: ConnectParams | undefined;
    private _socket: DataSocket | undefined;
    /** Whether the current session's data channel has been open. */
    private _channelWasOpen = false;

    /**
     * @param _listening - whether the app wants timed data at all (it listens to `data`, or asked
     *   for tracks); read whenever the source reconsiders its socket.
     */
    constructor(
        private readonly _sink: TimedDataSink,
        private readonly _socketOptions: DataSocketOptions,
        private readonly _listening: () => boolean = () => true,
    ) {}

    /** The app started or stopped listening: the data WebSocket follows. */
    listeningChanged(): void {
        this._update();
    }

    /** The tracks asked for (`undefined`: all the stream has). */
    get wanted(): readonly number[] | undefined {
        return this._wanted;
    }

    /** Asks for `tracks` only (`undefined`: every data track of the stream). */
    set wanted(tracks: readonly number[] | undefined) {
        this._wanted = tracks;
        this._update();
    }

    /** The stream's data tracks changed (a new metadata document). */
    set streamTracks(tracks: readonly number[]) {
        this._streamTracks = tracks;
        this._update();
    }

    /** A session opened: its data channel carries the data, else the data WebSocket of `params`. */
    attach(connector: Connector, params: ConnectParams, signal: AbortSignal): void {
        this._connector = connector;
        this._params = params;
        this._channelWasOpen = false;
        connector.on('data', (time, track, data, duration) => this._deliver(time, track, data, duration), { signal });
        connector.on(
            'dataChannel',
            (state) => {
                // From the event too: a channel that opened and closed before this ran was open.
                if (state === 'open') this._channelWasOpen = true;
                this._update();
            },
            { signal },
        );
        this._update();
    }

    /** Stops: the data WebSocket closes, the session is forgotten. */
    close(): void {
        this._connector = this._params = undefined;
        this._update();
    }

    /** The tracks the data WebSocket asks for. */
    private _tracks(): readonly number[] {
        return this._wanted ?? this._streamTracks;
    }

    /** Opens, re-targets or closes the data WebSocket, as the session and the tracks want. */
    private _update(): void {
        const tracks = this._tracks();
        const params = this._params;
        const channel = this._connector?.dataChannel;
        if (channel === 'open') this._channelWasOpen = true;
        const noChannel = channel === 'none' && !this._channelWasOpen;
        const needed = params && noChannel && tracks.length > 0 && this._listening();
        if (!needed) {
            this._socket?.close();
            this._socket = undefined;
        } else if (!this._socket) {
            const socket = (this._socket = new DataSocket(params, tracks, this._socketOptions));
            socket.on('data', (time, track, data, duration) => this._deliver(time, track, data, duration));
        } else if (!sameTracks(this._socket.tracks, tracks)) {
            this._socket.setTracks(tracks);
        }
    }

    private _deliver(time: number, track: number, data: unknown, duration?: number): void {
        const wanted = this._wanted;
        if (wanted && !wanted.includes(track)) return;
        this._sink(time, track, data, duration);
    }
}

function sameTracks(a: readonly number[], b: readonly number[]): boolean {
    return a.length === b.length && a.every((track, i) => track === b[i]);
}
