/**
 * Trickle ICE and ICE restart fragments (`application/trickle-ice-sdpfrag`, RFC 8840), as WHIP
 * and WHEP exchange them in `PATCH` requests (RFC 9725 §4.3): the ICE credentials, then per m-line
 * its `a=mid` and candidates.
 *
 * A fragment is not an SDP session description (no `v=`, `o=`, `s=` lines), so it is written line by
 * line here, with the browser's candidate text kept verbatim (sdp-transform's writer would add the
 * session lines and drop candidate extensions it does not know); fragments and descriptions are
 * read with sdp-transform.
 *
 * @packageDocumentation
 */
import { parse, write, type MediaDescription } from 'sdp-transform';

/** A candidate as sdp-transform reads it. */
type Candidate = NonNullable<MediaDescription['candidates']>[number];

/** One local candidate, as `RTCPeerConnection`'s `icecandidate` event gives it. */
export interface FragmentCandidate {
    /** `candidate:…` (the `a=` line's value). */
    candidate: string;
    /** The m-line it belongs to. */
    sdpMid?: string | null;
}

/** The ICE part of a fragment the server answers with (an ICE restart's `200 OK`). */
export interface IceFragment {
    /** The server's ICE username fragment, when it sent one. */
    ufrag?: string;
    /** The server's ICE password, when it sent one. */
    pwd?: string;
    /** Its candidates. */
    candidates: Candidate[];
}

/** The ICE credentials and the m-lines (type, protocol, payloads, mid) of a local description. */
function localIce(localSdp: string) {
    const session = parse(localSdp);
    const first = session.media[0];
    return {
        ufrag: session.iceUfrag ?? first?.iceUfrag,
        pwd: session.icePwd ?? first?.icePwd,
        media: session.media.map((m) => ({
            line: `m=${m.type} 9 ${m.protocol} ${m.payloads ?? ''}`.trimEnd(),
            mid: m.mid === undefined ? undefined : String(m.mid),
        })),
    };
}

/**
 * The fragment of a trickle `PATCH`: the credentials of `localSdp` (the local description), then,
 * for each m-line that has some of `candidates` (with BUNDLE, usually the first), its m= line, its
 * mid and those candidates; `endOfCandidates` adds `a=end-of-candidates` (under the first m-line
 * when no candidate is left). An ICE restart sends the new credentials with no candidate.
 *
 * @example
 * ```ts
 * trickleFragment(pc.localDescription!.sdp, [event.candidate], false);
 * // a=ice-ufrag:EsAw\r\na=ice-pwd:…\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:…\r\n
 * ```
 */
export function trickleFragment(localSdp: string, candidates: FragmentCandidate[], endOfCandidates: boolean): string {
    const { ufrag, pwd, media } = localIce(localSdp);
    const lines: string[] = [];
    if (ufrag) lines.push(`a=ice-ufrag:${ufrag}`);
    if (pwd) lines.push(`a=ice-pwd:${pwd}`);
    media.forEach((m, index) => {
        // A candidate without a mid belongs to the first m-line (the BUNDLE transport).
        const own = candidates.filter((c) => (c.sdpMid ?? media[0]?.mid) === m.mid);
        const endHere = endOfCandidates && index === 0;
        if (!own.length && !endHere && !(index === 0 && !candidates.length)) return;
        lines.push(m.line);
        if (m.mid !== undefined) lines.push(`a=mid:${m.mid}`);
        for (const c of own) lines.push(`a=${c.candidate}`);
        if (endHere) lines.push('a=end-of-candidates');
    });
    return lines.map((line) => `${line}\r\n`).join('');
}

/** Reads the server's fragment of an ICE restart (its new credentials and candidates). */
export function readIceFragment(fragment: string): IceFragment {
    const session = parse(fragment);
    const first = session.media[0];
    return {
        ufrag: session.iceUfrag ?? first?.iceUfrag,
        pwd: session.icePwd ?? first?.icePwd,
        candidates: session.media.flatMap((m) => m.candidates ?? []),
    };
}

/**
 * The remote description after an ICE restart: `remoteSdp` with the server's new credentials on
 * every m-line (and the session level, where it had them) and its new candidates instead of the
 * old ones.
 */
export function restartedRemoteDescription(remoteSdp: string, ice: IceFragment): string {
    const session = parse(remoteSdp);
    if (ice.ufrag && session.iceUfrag !== undefined) session.iceUfrag = ice.ufrag;
    if (ice.pwd && session.icePwd !== undefined) session.icePwd = ice.pwd;
    for (const media of session.media) {
        if (ice.ufrag) media.iceUfrag = ice.ufrag;
        if (ice.pwd) media.icePwd = ice.pwd;
        media.candidates = ice.candidates.map((c) => ({ ...c }));
    }
    return write(session);
}
