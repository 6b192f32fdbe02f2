/** What a {@link DataLink}'s owner hears from it. @internal */
export interface DataLinkHandlers {
    /** The channel opened: `send` works from now on. */
    open(): void;
    /** A text frame arrived (binary frames are dropped). */
    message(text: string): void;
    /**
     * The channel will carry nothing (more): the answer had no data channel, it closed, it failed,
     * or it did not open in time. Called once, and never after {@link DataLink.close}.
     */
    down(reason: string): void;
}

/**
 * One data channel a session opens in its offer (timed data `JSON`, WHEP's `MistControl`), with
 * the states its owner acts on: up once open, down for good with a reason. The channel is created
 * before the offer, so that the offer carries the application m-line the server answers.
 * @internal
 */
export class DataLink {
    private readonly _channel: RTCDataChannel;
    private _down = false;

    constructor(
        pc: RTCPeerConnection,
        readonly label: string,
        private readonly _handlers: DataLinkHandlers,
    ) {
        const channel = (this._channel = pc.createDataChannel(label));
        channel.onopen = () => {
            if (!this._down) this._handlers.open();
        };
        channel.onmessage = (event: MessageEvent) => {
            if (!this._down && typeof event.data === 'string') this._handlers.message(event.data);
        };
        channel.onclose = () => this.fail(`the ${label} data channel closed`);
        channel.onerror = () => this.fail(`the ${label} data channel failed`);
    }

    /** Whether the channel is open (and not given up). */
    get open(): boolean {
        return !this._down && this._channel.readyState === 'open';
    }

    /** Whether the channel was given up (or closed): it will carry nothing. */
    get down(): boolean {
        return this._down;
    }

    /** Sends one text frame; `false` when the channel is not open. */
    send(text: string): boolean {
        if (!this.open) return false;
        try {
            this._channel.send(text);
            return true;
        } catch {
            // Closing under our feet: its close event follows.
            return false;
        }
    }

    /** Gives the channel up with `reason` (once), and closes it. */
    fail(reason: string): void {
        if (this._down) return;
        this._down = true;
        this._release();
        this._handlers.down(reason);
    }

    /** Closes the channel without a word to the owner (the session closes). */
    close(): void {
        this._down = true;
        this._release();
    }

    private _release(): void {
        const channel = this._channel;
        channel.onopen = channel.onmessage = channel.onclose = channel.onerror = null;
        channel.close();
    }
}
