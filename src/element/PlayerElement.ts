import {
    Player,
    type ConnectParams,
    type EventName,
    type Metadata,
    type PlayerEvents,
    type PlayerOptions,
    type PlayerState,
    type PlayerStats,
    type PlayingInfos,
    type ReconnectInfo,
    type Rendition,
    type RenditionChange,
    RtcError,
    type SessionTimings,
    type StreamState,
    type TimedData,
} from '../index';
import { PLAYER_ELEMENT_CSS } from './styles';

/** The tag name `rtcwire/element` defines. */
export const PLAYER_ELEMENT_TAG = 'rtcwire-player';

/**
 * The DOM event each {@link Player} event is re-dispatched as by {@link PlayerElement}: the
 * Player's event name in kebab case, prefixed with `rtcwire-`. The event's `detail` is the Player
 * event's first argument (`data`'s is the whole item; see {@link PlayerElementEventMap}).
 *
 * @example
 * ```ts
 * player.addEventListener(PLAYER_ELEMENT_EVENTS.state, (event) => console.log(event.detail));
 * ```
 */
export const PLAYER_ELEMENT_EVENTS: { readonly [K in EventName<PlayerEvents>]: keyof PlayerElementEventMap } = {
    start: 'rtcwire-start',
    stop: 'rtcwire-stop',
    state: 'rtcwire-state',
    reconnecting: 'rtcwire-reconnecting',
    timings: 'rtcwire-timings',
    playing: 'rtcwire-playing',
    stats: 'rtcwire-stats',
    autoplayMuted: 'rtcwire-autoplay-muted',
    autoplayBlocked: 'rtcwire-autoplay-blocked',
    renditions: 'rtcwire-renditions',
    rendition: 'rtcwire-rendition',
    renditionChange: 'rtcwire-rendition-change',
    audioRendition: 'rtcwire-audio-rendition',
    metadata: 'rtcwire-metadata',
    streamState: 'rtcwire-stream-state',
    data: 'rtcwire-data',
};

/**
 * The DOM events of {@link PlayerElement}: `CustomEvent`s that bubble, one per {@link Player}
 * event, with the Player event's first argument as `detail` (`null` for none). TypeScript types them on
 * `addEventListener` once `rtcwire/element` is imported.
 *
 * @example
 * ```ts
 * const element = document.querySelector('rtcwire-player')!;
 * element.addEventListener('rtcwire-state', (event) => (badge.textContent = event.detail));
 * element.addEventListener('rtcwire-stop', (event) => event.detail && console.error(event.detail.code));
 * ```
 */
export interface PlayerElementEventMap {
    /** A session opened (again, after a reconnection); `detail` is the stream playing. */
    'rtcwire-start': CustomEvent<MediaStream>;
    /**
     * The player stopped: removed from the page or {@link PlayerElement.stop} (`detail` null), or
     * for good after an error (`detail`). Also fired with an `INVALID_ARGUMENT` error when the
     * attributes cannot start a session (no `stream`, an `endpoint` of another scheme …).
     */
    'rtcwire-stop': CustomEvent<RtcError | null>;
    /** The {@link PlayerState} changed. */
    'rtcwire-state': CustomEvent<PlayerState>;
    /** A lost session will be retried. */
    'rtcwire-reconnecting': CustomEvent<ReconnectInfo>;
    /** Steps of the session that just opened, ms since it started. */
    'rtcwire-timings': CustomEvent<SessionTimings>;
    /** The server's `on_time` (WebSocket sessions), about once a second. */
    'rtcwire-playing': CustomEvent<PlayingInfos>;
    /** Normalised statistics, about once a second. */
    'rtcwire-stats': CustomEvent<PlayerStats>;
    /** The browser refused sound: playing muted, the unmute button shows. */
    'rtcwire-autoplay-muted': CustomEvent<null>;
    /** The browser refused even muted playback: the play button shows. */
    'rtcwire-autoplay-blocked': CustomEvent<RtcError>;
    /** The stream's video renditions, read from the server. */
    'rtcwire-renditions': CustomEvent<Rendition[]>;
    /** The automatic rendition choice changed: the video track now requested. */
    'rtcwire-rendition': CustomEvent<number>;
    /** The same change, with the track before and the reason. */
    'rtcwire-rendition-change': CustomEvent<RenditionChange>;
    /** The automatic audio choice changed (streams with several audio tracks): the audio track now requested. */
    'rtcwire-audio-rendition': CustomEvent<number>;
    /** A new description of the stream, from its metadata. */
    'rtcwire-metadata': CustomEvent<Metadata>;
    /** The stream's state changed (`online`, `offline`, `waitingForData` …). */
    'rtcwire-stream-state': CustomEvent<StreamState>;
    /** One item of the stream's timed data (`{ time, track, data, duration? }`, `time` in the media's clock). */
    'rtcwire-data': CustomEvent<TimedData>;
}

/** The `detail` of `rtcwire-data`: the item, without a `duration` it does not have. */
function timedData(time: number, track: number, data: unknown, duration?: number): TimedData {
    return duration === undefined ? { time, track, data } : { time, track, data, duration };
}

/** The attributes that name a session: changing one restarts a running player. */
const SESSION_ATTRIBUTES = ['endpoint', 'stream', 'token', 'wait-for-stream'];

/** What the status overlay says in each state (none while playing or stopped). */
const STATUS_TEXT: Partial<Record<PlayerState, string>> = {
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting…',
    offline: 'Waiting for the stream…',
};

/** The style sheet shared by every element, made at the first construction (not at import). */
let sharedSheet: CSSStyleSheet | undefined;

/**
 * `<rtcwire-player>`: a live stream in a page with one tag. It plays `stream` from `endpoint` with
 * a {@link Player} (reconnection, multi-bitrate, statistics) into a `<video>` in its shadow DOM,
 * re-dispatches the Player's events as DOM events ({@link PlayerElementEventMap}), shows an unmute
 * button when the browser only allowed muted autoplay, a play button when it allowed none (or
 * without `autoplay`), a status overlay while connecting, reconnecting or waiting for the stream
 * (or after an error), and with `stats` a small statistics overlay.
 *
 * Attributes: `endpoint` and `stream` (the {@link ConnectParams} `endPoint` and `streamName`),
 * `token` (`accessToken`), `autoplay` (start when added to the page; else on a click of the play
 * button or {@link play}), `muted`, `controls` (the video's), `wait-for-stream` (the Player's
 * `waitForStream`: wait while the stream is not live), `stats` (show the statistics overlay).
 * Changing `endpoint`, `stream`, `token` or `wait-for-stream` restarts a running player; removing
 * the element from the page stops it and releases its connection.
 *
 * It has no global style: every style lives in its shadow root, and the parts `video`, `status`,
 * `play-button`, `unmute-button` and `stats` can be styled with `::part()`. Importing
 * `rtcwire/element` (or loading the `<script>` build) defines the tag once.
 *
 * @example
 * ```html
 * <script type="module">
 *     import 'rtcwire/element';
 * </script>
 * <rtcwire-player endpoint="127.0.0.1:8080" stream="cam1" autoplay muted controls stats></rtcwire-player>
 * ```
 *
 * @example
 * ```ts
 * import { PlayerElement } from 'rtcwire/element';
 *
 * const element = document.createElement('rtcwire-player');
 * element.endpoint = 'media.example.com';
 * element.stream = 'live+cam1';
 * element.autoplay = true;
 * element.addEventListener('rtcwire-stop', (event) => event.detail && console.error(event.detail.message));
 * document.body.append(element); // starts playing
 * console.log(element instanceof PlayerElement); // true
 * ```
 */
export class PlayerElement extends ((globalThis.HTMLElement ?? class {}) as typeof HTMLElement) {
    // Server-side rendering (no DOM) gets an empty stand-in base class above so that importing
    // this module never throws; the element is only ever constructed in a browser.

    /** The attributes whose changes the element follows. */
    static readonly observedAttributes = [...SESSION_ATTRIBUTES, 'autoplay', 'muted', 'controls', 'stats'];

    private readonly _video: HTMLVideoElement;
    private readonly _status: HTMLElement;
    private readonly _playButton: HTMLButtonElement;
    private readonly _unmuteButton: HTMLButtonElement;
    private readonly _statsBox: HTMLElement;
    private _player: Player | undefined;
    /**
     * Between connectedCallback and disconnectedCallback. Not `isConnected`: attribute callbacks
     * of an element upgraded as it is inserted run connected, before connectedCallback.
     */
    private _inPage = false;

    constructor() {
        super();
        const root = this.attachShadow({ mode: 'open' });
        // A constructed sheet is allowed by a strict Content-Security-Policy (style-src 'self'),
        // where a <style> element is not; the <style> is for browsers without adoptedStyleSheets.
        if ('adoptedStyleSheets' in root && typeof CSSStyleSheet.prototype.replaceSync === 'function') {
            if (!sharedSheet) {
                sharedSheet = new CSSStyleSheet();
                sharedSheet.replaceSync(PLAYER_ELEMENT_CSS);
            }
            root.adoptedStyleSheets = [sharedSheet];
        } else {
            root.append(part('style', '', PLAYER_ELEMENT_CSS));
        }
        const video = (this._video = part('video', 'video'));
        video.playsInline = true;
        this._status = part('div', 'status');
        this._playButton = part('button', 'play-button', '▶');
        this._playButton.setAttribute('aria-label', 'Play');
        this._unmuteButton = part('button', 'unmute-button', 'Unmute');
        this._statsBox = part('div', 'stats');
        this._statsBox.setAttribute('aria-live', 'off');
        for (const overlay of [this._status, this._playButton, this._unmuteButton, this._statsBox]) {
            overlay.hidden = true;
        }
        root.append(video, this._status, this._playButton, this._unmuteButton, this._statsBox);
        this._playButton.addEventListener('click', () => this.play());
        this._unmuteButton.addEventListener('click', () => (video.muted = false));
        // Unmuted by the button or by the video's own controls.
        video.addEventListener('volumechange', () => {
            if (!video.muted) this._unmuteButton.hidden = true;
        });
    }

    /** The server: a bare `host[:port]` or a `ws(s)://` / `http(s)://` URL (attribute `endpoint`). */
    get endpoint(): string {
        return this.getAttribute('endpoint') ?? '';
    }
    /** Sets the `endpoint` attribute. */
    set endpoint(value: string) {
        this.setAttribute('endpoint', value);
    }

    /** The stream name (attribute `stream`). */
    get stream(): string {
        return this.getAttribute('stream') ?? '';
    }
    /** Sets the `stream` attribute. */
    set stream(value: string) {
        this.setAttribute('stream', value);
    }

    /** The access token, if any (attribute `token`). */
    get token(): string {
        return this.getAttribute('token') ?? '';
    }
    /** Sets the `token` attribute. */
    set token(value: string) {
        this.setAttribute('token', value);
    }

    /** Whether the element starts playing as soon as it is in the page (attribute `autoplay`). */
    get autoplay(): boolean {
        return this.hasAttribute('autoplay');
    }
    /** Sets or removes the `autoplay` attribute. */
    set autoplay(value: boolean) {
        this.toggleAttribute('autoplay', value);
    }

    /** Whether a stream that is not live is waited for (attribute `wait-for-stream`). */
    get waitForStream(): boolean {
        return this.hasAttribute('wait-for-stream');
    }
    /** Sets or removes the `wait-for-stream` attribute. */
    set waitForStream(value: boolean) {
        this.toggleAttribute('wait-for-stream', value);
    }

    /** The `<video>` in the shadow DOM (its `muted`, `videoWidth` …). */
    get video(): HTMLVideoElement {
        return this._video;
    }

    /** The {@link Player} of the current or last session, if the element ever started. */
    get player(): Player | undefined {
        return this._player;
    }

    /** The player's state (`idle` before the first start). */
    get state(): PlayerState {
        return this._player?.state ?? 'idle';
    }

    /**
     * Starts playing with the current attributes, or resumes a video the browser paused (call
     * it from a user gesture after `rtcwire-autoplay-blocked`). Attributes that cannot start a
     * session end in `rtcwire-stop` with an `INVALID_ARGUMENT` error.
     */
    play(): void {
        if (this._player?.started) return this._resume(this._player);
        const options: PlayerOptions = {};
        if (this.waitForStream) options.waitForStream = true;
        const player = (this._player = new Player(this._video, options));
        this._listen(player);
        this._playButton.hidden = true;
        const params: ConnectParams = { endPoint: this.endpoint, streamName: this.stream };
        if (this.token) params.accessToken = this.token;
        try {
            player.start(params);
        } catch (thrown) {
            // Bad attributes (INVALID_ARGUMENT): the player never started, so it emits nothing.
            const error = RtcError.from(thrown, 'INVALID_ARGUMENT');
            this._showStopped(error);
            this._dispatch('stop', error);
        }
    }

    /** Stops playing and releases the connection (`rtcwire-stop` follows). */
    stop(): void {
        this._player?.stop();
    }

    /** @internal */
    connectedCallback(): void {
        this._inPage = true;
        if (this.autoplay) this.play();
        else if (!this._player?.started) this._playButton.hidden = false;
    }

    /** @internal */
    disconnectedCallback(): void {
        this._inPage = false;
        this.stop();
    }

    /** @internal */
    attributeChangedCallback(name: string, previous: string | null, value: string | null): void {
        if (previous === value) return;
        const present = value !== null;
        if (name === 'muted') this._video.muted = present;
        else if (name === 'controls') this._video.controls = present;
        else if (name === 'stats') this._statsBox.hidden = !present;
        else if (!this._inPage) return;
        else if (name === 'autoplay') {
            if (present && !this._player?.started) this.play();
        } else if (this._player?.started) {
            // A session attribute changed: the running session is replaced.
            this._player.stop();
            this.play();
        }
    }

    /** Plays a video the browser paused (autoplay refused): from a user gesture, it may. */
    private _resume(player: Player): void {
        const video = this._video;
        if (!video.paused || !video.srcObject) return;
        this._playButton.hidden = true;
        player.play().catch(() => (this._playButton.hidden = false));
    }

    /** Re-dispatches `player`'s events and keeps the overlays in step, until it stops. */
    private _listen(player: Player): void {
        const session = new AbortController();
        const signal = session.signal;
        player.on('state', (state) => this._showState(state), { signal });
        player.on('stats', (stats) => (this._statsBox.textContent = formatStats(stats)), { signal });
        player.on('autoplayMuted', () => (this._unmuteButton.hidden = false), { signal });
        player.on('autoplayBlocked', () => (this._playButton.hidden = false), { signal });
        player.on('stop', (error) => this._showStopped(error), { signal });
        for (const event of Object.keys(PLAYER_ELEMENT_EVENTS) as EventName<PlayerEvents>[]) {
            if (event === 'data') continue;
            player.on(event, (...args: PlayerEvents[typeof event]) => this._dispatch(event, args[0]), { signal });
        }
        // A timed-data item is more than its first argument.
        player.on(
            'data',
            (time, track, data, duration) => this._dispatch('data', timedData(time, track, data, duration)),
            {
                signal,
            },
        );
        // After its stop, a player emits nothing: its listeners go (the state listener above saw `stopped`).
        player.once('stop', () => session.abort(), { signal });
    }

    private _showState(state: PlayerState): void {
        const text = STATUS_TEXT[state];
        this._status.hidden = !text;
        this._status.textContent = text ?? '';
        this._status.dataset.state = state;
    }

    private _showStopped(error: RtcError | undefined): void {
        this._unmuteButton.hidden = true;
        this._status.hidden = !error;
        this._status.textContent = error ? `${error.message} (${error.code})` : '';
        this._status.dataset.state = error ? 'failed' : 'stopped';
        this._playButton.hidden = !this._inPage;
    }

    private _dispatch(event: EventName<PlayerEvents>, detail: unknown): void {
        this.dispatchEvent(new CustomEvent(PLAYER_ELEMENT_EVENTS[event], { detail: detail ?? null, bubbles: true }));
    }
}

/** A shadow-DOM child with its `part` name (none for the `<style>`) and text. */
function part<K extends keyof HTMLElementTagNameMap>(tag: K, name: string, text = ''): HTMLElementTagNameMap[K] {
    const element = document.createElement(tag);
    if (name) {
        element.setAttribute('part', name);
        element.className = name;
    }
    element.textContent = text;
    return element;
}

/** The statistics overlay: size, codec and frame rate; bitrate, loss and jitter; quality. */
function formatStats(stats: PlayerStats): string {
    const codec = stats.videoCodec ? ` ${stats.videoCodec}` : '';
    return [
        `${stats.width}×${stats.height}${codec} · ${Math.round(stats.fps)} fps`,
        `${(stats.bitrate / 1e6).toFixed(2)} Mb/s · loss ${stats.packetLossPercent.toFixed(1)} % · jitter ${Math.round(stats.jitterMs)} ms`,
        `quality ${stats.quality}/100`,
    ].join('\n');
}

declare global {
    interface HTMLElementTagNameMap {
        'rtcwire-player': PlayerElement;
    }
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- merges the element's events into every element's addEventListener
    interface HTMLElementEventMap extends PlayerElementEventMap {}
}
