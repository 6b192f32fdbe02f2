/**
 * Trickle ICE and ICE restart fragments (`application/trickle-ice-sdpfrag`, RFC 8840) as WHIP and
 * WHEP `PATCH` requests carry them (RFC 9725 §4.3): reading a client's fragment, the offer of an
 * ICE restart made from it, and the fragment that answers a restart. Pure, no werift.
 *
 * A fragment is not a session description (no `v=`, `o=`, `s=` lines): it is read and written line
 * by line; descriptions go through sdp-transform.
 */
import * as sdpTransform from 'sdp-transform';

/** What a client's fragment says: its ICE credentials (where it gave them) and candidate lines. */
export interface ClientFragment {
    ufrag?: string;
    pwd?: string;
    /** `a=candidate:` lines, as sent */
    candidates: string[];
}

const lines = (text: string) => text.split(/\r?\n/).filter((line) => line !== '');

/** Reads a client's fragment; the first credentials it names count (BUNDLE: one ICE session). */
export function readFragment(fragment: string): ClientFragment {
    const out: ClientFragment = { candidates: [] };
    for (const line of lines(fragment)) {
        if (line.startsWith('a=ice-ufrag:')) out.ufrag ??= line.slice('a=ice-ufrag:'.length).trim();
        else if (line.startsWith('a=ice-pwd:')) out.pwd ??= line.slice('a=ice-pwd:'.length).trim();
        else if (line.startsWith('a=candidate:')) out.candidates.push(line);
    }
    return out;
}

/** The ICE credentials an offer (or answer) gives its BUNDLE transport: its first m-line's, else the session's. */
export function iceCredentials(sdp: string): { ufrag?: string; pwd?: string } {
    const parsed = sdpTransform.parse(sdp);
    const first = parsed.media.find((m) => m.port !== 0) ?? parsed.media[0];
    return { ufrag: first?.iceUfrag ?? parsed.iceUfrag, pwd: first?.icePwd ?? parsed.icePwd };
}

/**
 * The offer of an ICE restart: the offer in force with the client's new credentials wherever it had
 * credentials, nothing else changed (RFC 9725 §4.3.2: the rest of the negotiation still applies).
 * Its candidates stay out, as in the first offer: an ICE-lite server learns the client's address
 * from its checks.
 */
export function withIceCredentials(offer: string, ufrag: string, pwd: string): string {
    const parsed = sdpTransform.parse(offer);
    if (parsed.iceUfrag !== undefined) parsed.iceUfrag = ufrag;
    if (parsed.icePwd !== undefined) parsed.icePwd = pwd;
    for (const m of parsed.media) {
        if (m.iceUfrag !== undefined || parsed.iceUfrag === undefined) m.iceUfrag = ufrag;
        if (m.icePwd !== undefined || parsed.icePwd === undefined) m.icePwd = pwd;
    }
    return sdpTransform.write(parsed);
}

/**
 * The fragment answering an ICE restart, from the server's new answer: `a=ice-lite`, the new
 * credentials, then the BUNDLE transport's m-line (the first one not rejected) with its mid, its
 * candidates and `a=end-of-candidates`, as in RFC 9725's example.
 */
export function answerFragment(answer: string): string {
    const all = lines(answer);
    const firstMedia = all.findIndex((line) => line.startsWith('m='));
    const session = firstMedia < 0 ? all : all.slice(0, firstMedia);
    const sections: string[][] = [];
    for (const line of all.slice(firstMedia < 0 ? all.length : firstMedia)) {
        if (line.startsWith('m=')) sections.push([line]);
        else sections.at(-1)?.push(line);
    }
    const bundle = sections.find((s) => !/^m=\S+ 0 /.test(s[0]!)) ?? sections[0] ?? [];
    const pick = (from: string[], prefix: string) => from.filter((line) => line.startsWith(prefix));
    const ice = (prefix: string) => pick(session, prefix)[0] ?? pick(bundle, prefix)[0];
    const out = [
        ...pick(session, 'a=ice-lite'),
        ice('a=ice-ufrag:'),
        ice('a=ice-pwd:'),
        bundle[0],
        ...pick(bundle, 'a=mid:'),
        ...pick(bundle, 'a=candidate:'),
        ...pick(bundle, 'a=end-of-candidates'),
    ].filter((line): line is string => line !== undefined);
    return out.map((line) => `${line}\r\n`).join('');
}
