/**
 * Reading a server's SDP answer: which codecs it chose and how many tracks it will send.
 *
 * @packageDocumentation
 */
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import { codecOf, payloadTypesOf } from './payloads';

/** One m-line of an answer, as {@link readAnswer} reads it. */
export interface AnswerMedia {
    /** The media type of the m= line: `audio`, `video`, `application` … */
    kind: string;
    /** Its `a=mid`, when it has one (a rejected m-line may not). */
    mid?: string;
    /**
     * Port 0 without `a=bundle-only`: the answerer refused this m-line (RFC 8866 §5.14); nothing
     * flows on it. A bundle-only m-line also has port 0 but is accepted: its media flows on the
     * BUNDLE transport (RFC 8843 §7.3.1).
     */
    rejected: boolean;
    /**
     * The direction from the answerer's point of view: `sendonly` means the server sends to us. The
     * m-line's own attribute, else the session's, else `sendrecv` (RFC 8866 §6.7).
     */
    direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
    /**
     * The upper-case encoding name of the first payload of the m= line (`OPUS`, `VP8`, `H264` …): the
     * codec the answerer chose. Absent when that payload has no `a=rtpmap` line (a rejected m-line,
     * a static payload type, a data channel).
     */
    codec?: string;
}

/** What rtcwire needs from an answer. */
export interface AnswerInfo {
    /** The codecs of the m-lines that carry media: neither rejected nor `inactive`, in m-line order. */
    codecs: string[];
    /**
     * The number of audio and video m-lines, not rejected, on which the server sends media to us
     * (`sendonly` or `sendrecv` from its point of view): a player expects one `track` event for
     * each. A server answering a player's `recvonly` offer says `sendonly` (MistServer, WHEP); an
     * answer to a publisher's `sendonly` offer says `recvonly`, and counts 0.
     */
    incomingTracks: number;
    /** Every m-line of the answer, in order. */
    media: AnswerMedia[];
}

/**
 * Reads a server's answer (or any SDP: an offer reads from its author's point of view).
 *
 * @throws Error when the text is not plausibly SDP: its first line is not `v=0`, or it has no m=
 * line (an HTML error page, a JSON body, an empty string). The message says which, and quotes the
 * start of the text.
 *
 * @example
 * ```ts
 * const { codecs, incomingTracks } = readAnswer(answer);
 * // MistServer playing an H264 stream: codecs ['OPUS', 'H264'], incomingTracks 2
 * ```
 */
export function readAnswer(sdp: string): AnswerInfo {
    // sdp-transform skips lines it does not understand and never throws: it would read an HTML
    // page as an empty session, so the plausibility checks are ours.
    if (!/^v=0\r?\n/.test(sdp)) throw new Error(`not an SDP answer: the first line is not "v=0" (${quote(sdp)})`);
    const session = parse(sdp);
    if (session.media.length === 0) throw new Error(`not an SDP answer: no m= line (${quote(sdp)})`);
    const media = session.media.map((m) => readMedia(m, session));
    return {
        codecs: media.filter(carriesMedia).flatMap((m) => (m.codec ? [m.codec] : [])),
        incomingTracks: media.filter(isIncomingTrack).length,
        media,
    };
}

function readMedia(media: MediaDescription, session: SessionDescription): AnswerMedia {
    const first = payloadTypesOf(media)[0];
    const read: AnswerMedia = {
        kind: media.type,
        rejected: media.port === 0 && media.bundleOnly === undefined,
        direction: media.direction ?? session.direction ?? 'sendrecv',
    };
    // sdp-transform turns a numeric mid (`a=mid:0`) into a number.
    if (media.mid !== undefined) read.mid = String(media.mid);
    const codec = first === undefined ? undefined : codecOf(media, first);
    if (codec) read.codec = codec;
    return read;
}

/** An m-line on which media flows one way or both. */
function carriesMedia(media: AnswerMedia): boolean {
    return !media.rejected && media.direction !== 'inactive';
}

/** An m-line that will give the receiving browser a track: audio or video the server sends. @internal */
export function isIncomingTrack(media: AnswerMedia): boolean {
    const serverSends = media.direction === 'sendonly' || media.direction === 'sendrecv';
    return (media.kind === 'audio' || media.kind === 'video') && !media.rejected && serverSends;
}

/** The start of `text` for an error message: enough to tell an HTML page from a JSON body. */
function quote(text: string): string {
    if (text === '') return 'empty text';
    const start = text.slice(0, 40);
    return `starts with ${JSON.stringify(start)}${text.length > start.length ? '…' : ''}`;
}
