type Handler = ((event: any) => void) | null;

/** A server side that answers what a client writes on a data channel. */
export type ChannelServer = (channel: FakeDataChannel, text: string) => void;

/**
 * An in-memory RTCDataChannel for Node unit tests. It opens when its peer connection connects
 * (if the answer accepted the data channels); the test scripts the far end: `serverSend`,
 * `serverClose`, and `FakeDataChannel.server` answering what the client writes (default: a
 * MistServer-like `MistControl` that answers `tracks` with `on_time` and `hold` with `pause`).
 */
export class FakeDataChannel {
    static instances: FakeDataChannel[] = [];
    static server: ChannelServer = defaultChannelServer;

    readyState: RTCDataChannelState = 'connecting';
    readonly sent: string[] = [];
    onopen: Handler = null;
    onmessage: Handler = null;
    onclose: Handler = null;
    onerror: Handler = null;

    constructor(readonly label: string) {
        FakeDataChannel.instances.push(this);
    }

    static reset(): void {
        FakeDataChannel.instances = [];
        FakeDataChannel.server = defaultChannelServer;
    }

    /** The channels labelled `label`, oldest first. */
    static labelled(label: string): FakeDataChannel[] {
        return FakeDataChannel.instances.filter((c) => c.label === label);
    }

    /** What the client wrote, decoded. */
    get sentMessages(): Record<string, unknown>[] {
        return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
    }

    send(text: string): void {
        if (this.readyState !== 'open') throw new Error('InvalidStateError: not open');
        this.sent.push(text);
        setTimeout(() => {
            if (this.readyState === 'open') FakeDataChannel.server(this, text);
        }, 1);
    }

    close(): void {
        this.readyState = 'closed';
    }

    /** The far end accepted the channel. */
    serverOpen(): void {
        if (this.readyState !== 'connecting') return;
        this.readyState = 'open';
        this.onopen?.({ type: 'open' });
    }

    /** Server → client frame (objects are JSON-encoded). */
    serverSend(message: unknown): void {
        if (this.readyState !== 'open') return;
        const data = typeof message === 'string' ? message : JSON.stringify(message);
        this.onmessage?.({ type: 'message', data });
    }

    /** The far end closed the channel. */
    serverClose(): void {
        if (this.readyState === 'closed') return;
        this.readyState = 'closed';
        this.onclose?.({ type: 'close' });
    }
}

/** MistServer-like `MistControl`: `tracks` → `on_time` with the choice, `hold` → `pause`, `set_speed` echoed. */
export function defaultChannelServer(channel: FakeDataChannel, text: string): void {
    if (channel.label !== 'MistControl') return;
    const message = JSON.parse(text) as Record<string, unknown>;
    switch (message.type) {
        case 'tracks':
            channel.serverSend({
                type: 'on_time',
                data: {
                    begin: 0,
                    current: 1000,
                    end: 1000,
                    tracks: [Number(message.audio ?? 0), Number(message.video ?? 1)],
                },
            });
            break;
        case 'hold':
            channel.serverSend({ type: 'pause', paused: true });
            break;
        case 'set_speed':
            channel.serverSend({ type: 'set_speed', data: { play_rate_curr: message.play_rate || 'auto' } });
            break;
        default:
            break;
    }
}
