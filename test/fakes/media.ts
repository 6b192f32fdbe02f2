/** Minimal MediaStreamTrack / MediaStream stand-ins for Node unit tests. */
let nextId = 1;

export class FakeTrack {
    readonly id = `track-${nextId++}`;
    readyState: 'live' | 'ended' = 'live';
    enabled = true;
    constructor(readonly kind: 'audio' | 'video') {}
    stop(): void {
        this.readyState = 'ended';
    }
}

export class FakeStream {
    readonly id = `stream-${nextId++}`;
    readonly #tracks: FakeTrack[];
    constructor(tracks: FakeTrack[] = []) {
        this.#tracks = [...tracks];
    }
    getTracks(): FakeTrack[] {
        return [...this.#tracks];
    }
    getAudioTracks(): FakeTrack[] {
        return this.#tracks.filter((t) => t.kind === 'audio');
    }
    getVideoTracks(): FakeTrack[] {
        return this.#tracks.filter((t) => t.kind === 'video');
    }
    addTrack(track: FakeTrack): void {
        if (!this.#tracks.includes(track)) this.#tracks.push(track);
    }
    removeTrack(track: FakeTrack): void {
        const i = this.#tracks.indexOf(track);
        if (i >= 0) this.#tracks.splice(i, 1);
    }
}

/** A camera-like stream with one audio and one video track, typed as a MediaStream. */
export function fakeCamera(): MediaStream {
    return new FakeStream([new FakeTrack('audio'), new FakeTrack('video')]) as unknown as MediaStream;
}

/**
 * A `<video>` stand-in: `calls` records play/pause/load, and the next frame is shown when the
 * test calls `showFrame()` (requestVideoFrameCallback's callback). `element` is it as the
 * Player takes it.
 */
export function fakeVideo() {
    const calls: string[] = [];
    let nextFrame: (() => void) | undefined;
    const video = {
        playsInline: false,
        muted: true,
        srcObject: null as unknown,
        play: async () => void calls.push('play'),
        pause: () => void calls.push('pause'),
        load: () => void calls.push('load'),
        requestVideoFrameCallback: (callback: () => void) => {
            nextFrame = callback;
            return 1;
        },
    };
    return { video, element: video as unknown as HTMLVideoElement, calls, showFrame: () => nextFrame?.() };
}
