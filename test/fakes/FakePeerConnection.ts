import { parse } from 'sdp-transform';
import { FakeDataChannel } from './FakeDataChannel';
import { FakeStream, FakeTrack } from './media';

/**
 * A scriptable RTCPeerConnection for Node unit tests. It writes realistic Chrome-like offers,
 * fires `ontrack` for each m-line the answer sends, and lets the test drive its connection state.
 * Every instance is recorded in `FakePeerConnection.instances`.
 */
export class FakePeerConnection {
    static instances: FakePeerConnection[] = [];
    /** Set to make the next created connections reject `setRemoteDescription`. */
    static rejectRemoteDescription = false;
    /** Set to make every new connection reach `connected` right after the answer (ms, or -1 = never). */
    static autoConnectMs = 0;
    /** Whether data channels open once connected (when the answer accepts them). */
    static openChannels = true;

    readonly configuration: RTCConfiguration | undefined;
    readonly transceivers: FakeTransceiver[] = [];
    /** The data channels created on this connection. */
    readonly channels: FakeDataChannel[] = [];
    localDescription: RTCSessionDescriptionInit | null = null;
    remoteDescription: RTCSessionDescriptionInit | null = null;
    connectionState: RTCPeerConnectionState = 'new';
    iceConnectionState: RTCIceConnectionState = 'new';
    signalingState: RTCSignalingState = 'stable';
    closed = false;
    getStatsCalls = 0;
    stats: Record<string, unknown>[] = [];

    ontrack: ((event: { track: FakeTrack; streams: FakeStream[]; transceiver: FakeTransceiver }) => void) | null = null;
    onconnectionstatechange: (() => void) | null = null;
    oniceconnectionstatechange: (() => void) | null = null;
    onicecandidate: ((event: { candidate: { candidate: string; sdpMid: string | null } | null }) => void) | null = null;
    /** How many times `restartIce()` was called; ICE restart offers get new credentials. */
    iceRestarts = 0;

    constructor(configuration?: RTCConfiguration) {
        this.configuration = configuration;
        FakePeerConnection.instances.push(this);
    }

    static reset(): void {
        FakePeerConnection.instances = [];
        FakePeerConnection.rejectRemoteDescription = false;
        FakePeerConnection.autoConnectMs = 0;
        FakePeerConnection.openChannels = true;
        FakeDataChannel.reset();
    }

    static get live(): FakePeerConnection[] {
        return FakePeerConnection.instances.filter((pc) => !pc.closed);
    }

    addTransceiver(trackOrKind: FakeTrack | 'audio' | 'video', init: RTCRtpTransceiverInit = {}): FakeTransceiver {
        const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
        const track = typeof trackOrKind === 'string' ? null : trackOrKind;
        const t = new FakeTransceiver(kind, init.direction ?? 'sendrecv', track, String(this.transceivers.length));
        t.sendEncodings = init.sendEncodings ?? [];
        this.transceivers.push(t);
        return t;
    }

    createDataChannel(label: string): FakeDataChannel {
        const channel = new FakeDataChannel(label);
        this.channels.push(channel);
        return channel;
    }

    getTransceivers(): FakeTransceiver[] {
        return [...this.transceivers];
    }

    getReceivers(): FakeTransceiver['receiver'][] {
        return this.transceivers.map((t) => t.receiver);
    }

    getSenders(): FakeSender[] {
        return this.transceivers.map((t) => t.sender);
    }

    async createOffer(options: RTCOfferOptions = {}): Promise<RTCSessionDescriptionInit> {
        await Promise.resolve();
        const sdp = chromeLikeOffer(this.transceivers, this.channels.length > 0);
        // An ICE restart changes the ICE credentials (the fixture's are 'abcd' / 'abcdefgh…').
        if (!options.iceRestart) return { type: 'offer', sdp };
        const n = this.iceRestarts;
        return {
            type: 'offer',
            sdp: sdp
                .replace(/ice-ufrag:abcd/g, `ice-ufrag:rst${n}`)
                .replace(/ice-pwd:abcdefgh/g, `ice-pwd:restart${n}`),
        };
    }

    restartIce(): void {
        this.iceRestarts++;
    }

    /** The previous local description, for a rollback. */
    #stableLocal: RTCSessionDescriptionInit | null = null;

    async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
        await Promise.resolve();
        if (this.closed) throw new Error('InvalidStateError: closed');
        if (description.type === 'rollback') {
            this.localDescription = this.#stableLocal;
            this.signalingState = 'stable';
            return;
        }
        this.#stableLocal = this.localDescription;
        this.localDescription = description;
        this.signalingState = 'have-local-offer';
    }

    /** Fires `icecandidate` (a host candidate on mid 0), or the end of gathering with `null`. */
    gather(candidate: string | null, sdpMid: string | null = '0'): void {
        this.onicecandidate?.({ candidate: candidate === null ? null : { candidate, sdpMid } });
    }

    async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
        await Promise.resolve();
        if (this.closed) throw new Error('InvalidStateError: closed');
        if (FakePeerConnection.rejectRemoteDescription) {
            throw Object.assign(new Error('Failed to parse SessionDescription'), { name: 'OperationError' });
        }
        const renegotiation = this.remoteDescription !== null;
        this.remoteDescription = description;
        this.signalingState = 'stable';
        if (renegotiation) return;
        const session = parse(description.sdp ?? '');
        const stream = new FakeStream();
        session.media.forEach((m, i) => {
            const t = this.transceivers[i];
            if (!t || m.port === 0) return;
            const dir = m.direction ?? 'sendrecv';
            if (dir === 'sendonly' || dir === 'sendrecv') {
                this.ontrack?.({ track: t.receiver.track, streams: [stream], transceiver: t });
            }
        });
        const delay = FakePeerConnection.autoConnectMs;
        if (delay >= 0) setTimeout(() => this.setState('connected'), delay);
    }

    /** Drives the connection (and ICE) state and fires the handlers; data channels open once connected. */
    setState(state: RTCPeerConnectionState): void {
        if (this.closed) return;
        this.connectionState = state;
        this.iceConnectionState = (state === 'connecting' ? 'checking' : state) as RTCIceConnectionState;
        this.oniceconnectionstatechange?.();
        this.onconnectionstatechange?.();
        if (state === 'connected' && FakePeerConnection.openChannels && this.#answersData()) {
            setTimeout(() => this.channels.forEach((c) => !this.closed && c.serverOpen()), 1);
        }
    }

    /** Whether the remote description accepts the data channels (an application m-line, port not 0). */
    #answersData(): boolean {
        const media = parse(this.remoteDescription?.sdp ?? '').media;
        return media.some((m) => m.type === 'application' && m.port !== 0);
    }

    async getStats(): Promise<Map<string, Record<string, unknown>>> {
        this.getStatsCalls++;
        return new Map(this.stats.map((s) => [String(s.id), s]));
    }

    getConfiguration(): RTCConfiguration {
        return { ...this.configuration };
    }

    setConfiguration(configuration: RTCConfiguration): void {
        (this as { configuration: RTCConfiguration | undefined }).configuration = configuration;
    }

    close(): void {
        this.closed = true;
        this.connectionState = 'closed';
        this.signalingState = 'closed';
    }
}

export class FakeSender {
    replaced: (FakeTrack | null)[] = [];
    parameters: { encodings: RTCRtpEncodingParameters[] } = { encodings: [{}] };
    constructor(public track: FakeTrack | null) {}
    async replaceTrack(track: FakeTrack | null): Promise<void> {
        await Promise.resolve();
        this.replaced.push(track);
        this.track = track;
    }
    getParameters(): { encodings: RTCRtpEncodingParameters[] } {
        return structuredClone(this.parameters);
    }
    async setParameters(parameters: { encodings: RTCRtpEncodingParameters[] }): Promise<void> {
        await Promise.resolve();
        this.parameters = structuredClone(parameters);
    }
}

export class FakeTransceiver {
    readonly sender: FakeSender;
    /** The receiver, with Chrome's jitter-buffer target (ms, `null` = the browser's default). */
    readonly receiver: { track: FakeTrack; jitterBufferTarget: number | null };
    sendEncodings: RTCRtpEncodingParameters[] = [];
    codecPreferences: unknown[] | undefined;
    constructor(
        readonly kind: 'audio' | 'video',
        public direction: RTCRtpTransceiverDirection,
        track: FakeTrack | null,
        readonly mid: string,
    ) {
        this.sender = new FakeSender(track);
        this.receiver = { track: new FakeTrack(kind), jitterBufferTarget: null };
    }
    setCodecPreferences(codecs: unknown[]): void {
        this.codecPreferences = codecs;
    }
    stop(): void {
        this.direction = 'stopped';
    }
}

/**
 * A Chrome-like offer for the given transceivers (Opus; VP8, VP9, H264 in both packetization
 * modes), with an application m-line after them when the connection has data channels.
 */
export function chromeLikeOffer(
    transceivers: { kind: string; direction: string; mid: string }[],
    dataChannels = false,
): string {
    const mids = transceivers.map((t) => t.mid);
    if (dataChannels) mids.push(String(transceivers.length));
    const lines = [
        'v=0',
        'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        `a=group:BUNDLE ${mids.join(' ')}`,
        'a=extmap-allow-mixed',
        'a=msid-semantic: WMS',
    ];
    for (const t of transceivers) {
        if (t.kind === 'audio') {
            lines.push(
                'm=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8',
                'c=IN IP4 0.0.0.0',
                'a=rtcp:9 IN IP4 0.0.0.0',
                'a=ice-ufrag:abcd',
                'a=ice-pwd:abcdefghijklmnopqrstuvwx',
                'a=ice-options:trickle',
                'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
                'a=setup:actpass',
                `a=mid:${t.mid}`,
                `a=${t.direction}`,
                'a=rtcp-mux',
                'a=rtpmap:111 opus/48000/2',
                'a=rtcp-fb:111 transport-cc',
                'a=fmtp:111 minptime=10;useinbandfec=1',
                'a=rtpmap:63 red/48000/2',
                'a=fmtp:63 111/111',
                'a=rtpmap:9 G722/8000',
                'a=rtpmap:0 PCMU/8000',
                'a=rtpmap:8 PCMA/8000',
            );
        } else {
            lines.push(
                'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 100 101 102 103',
                'c=IN IP4 0.0.0.0',
                'a=rtcp:9 IN IP4 0.0.0.0',
                'a=ice-ufrag:abcd',
                'a=ice-pwd:abcdefghijklmnopqrstuvwx',
                'a=ice-options:trickle',
                'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
                'a=setup:actpass',
                `a=mid:${t.mid}`,
                `a=${t.direction}`,
                'a=rtcp-mux',
                'a=rtcp-rsize',
                'a=rtpmap:96 VP8/90000',
                'a=rtcp-fb:96 goog-remb',
                'a=rtcp-fb:96 nack',
                'a=rtcp-fb:96 nack pli',
                'a=rtpmap:97 rtx/90000',
                'a=fmtp:97 apt=96',
                'a=rtpmap:98 VP9/90000',
                'a=fmtp:98 profile-id=0',
                'a=rtpmap:99 rtx/90000',
                'a=fmtp:99 apt=98',
                'a=rtpmap:100 H264/90000',
                'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
                'a=rtpmap:101 rtx/90000',
                'a=fmtp:101 apt=100',
                'a=rtpmap:102 H264/90000',
                'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
                'a=rtpmap:103 rtx/90000',
                'a=fmtp:103 apt=102',
            );
        }
    }
    if (dataChannels) {
        lines.push(
            'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
            'c=IN IP4 0.0.0.0',
            'a=ice-ufrag:abcd',
            'a=ice-pwd:abcdefghijklmnopqrstuvwx',
            'a=ice-options:trickle',
            'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
            'a=setup:actpass',
            `a=mid:${transceivers.length}`,
            'a=sctp-port:5000',
            'a=max-message-size:262144',
        );
    }
    return `${lines.join('\r\n')}\r\n`;
}

/**
 * A MistServer-like answer to `offer`: ICE-lite, DTLS passive, one host candidate, the first
 * codec of each m-line, direction mirrored, the data channels accepted. `rejectAudio` answers the
 * audio m-line with port 0, `rejectData` the application m-line.
 */
export function serverAnswer(offer: string, options: { rejectAudio?: boolean; rejectData?: boolean } = {}): string {
    const session = parse(offer);
    const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=ice-lite'];
    lines.push(`a=group:BUNDLE ${session.media.map((m) => m.mid).join(' ')}`);
    for (const m of session.media) {
        if (m.type === 'application') {
            lines.push(
                `m=application ${options.rejectData ? 0 : 9} UDP/DTLS/SCTP webrtc-datachannel`,
                'c=IN IP4 127.0.0.1',
                `a=mid:${m.mid}`,
                'a=ice-ufrag:srv1',
                'a=ice-pwd:serverpasswordserverpass',
                'a=setup:passive',
                'a=sctp-port:5000',
            );
            continue;
        }
        const first = Number(String(m.payloads).split(' ')[0]);
        const rtp = m.rtp.find((r) => r.payload === first);
        const rejected = options.rejectAudio === true && m.type === 'audio';
        const dir = m.direction === 'sendonly' ? 'recvonly' : m.direction === 'recvonly' ? 'sendonly' : 'sendrecv';
        lines.push(
            `m=${m.type} ${rejected ? 0 : 9} UDP/TLS/RTP/SAVPF ${first}`,
            'c=IN IP4 127.0.0.1',
            `a=mid:${m.mid}`,
            `a=${rejected ? 'inactive' : dir}`,
            'a=rtcp-mux',
            'a=ice-ufrag:srv1',
            'a=ice-pwd:serverpasswordserverpass',
            'a=fingerprint:sha-256 11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF',
            'a=setup:passive',
            `a=rtpmap:${first} ${rtp?.codec ?? 'VP8'}/${rtp?.rate ?? 90000}${rtp?.encoding ? `/${rtp.encoding}` : ''}`,
            'a=candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host',
        );
    }
    return `${lines.join('\r\n')}\r\n`;
}
