/**
 * Reading a client's offer: validation first (before the server does any work for it), then the
 * facts the relay needs — role, media sections, codecs, simulcast rids. Pure, no werift.
 *
 * Validation exists because werift does whatever an offer asks: 1,000 un-BUNDLEd m-lines made it
 * open 1,000 UDP sockets and stall the event loop for ~24 s, and an offer without ICE credentials
 * crashed inside it with a TypeError. Every rejection here carries a text a client can act on.
 */
import * as sdpTransform from 'sdp-transform';

export type Kind = 'audio' | 'video';

export interface OfferCodec {
    pt: number;
    name: string; // as written in the offer, e.g. 'VP8', 'H264', 'opus'
    clockRate: number;
    channels?: number;
    fmtp: string;
}

export interface OfferMedia {
    index: number;
    kind: Kind | 'application';
    mid: string;
    direction: string;
    port: number;
    /**
     * The offerer itself turned this section down: port 0 without `a=bundle-only`. A bundle-only
     * section also has port 0 (RFC 8843 §6: Firefox offers every BUNDLEd section after the first
     * so, under the `max-bundle` policy) but is offered like any other, on the BUNDLE transport.
     */
    rejected: boolean;
    codecs: OfferCodec[];
    /** rids of `a=rid:<id> send` lines, in `a=simulcast` order when present */
    rids: string[];
}

export interface OfferInfo {
    role: 'publish' | 'play';
    media: OfferMedia[];
}

/**
 * What an offer may ask for. A browser's offer is 5–10 KB with one section per kind (plus a data
 * channel) and at most 3 simulcast layers; these leave room for any real client and nothing more.
 */
export const OFFER_LIMITS = {
    maxBytes: 64 * 1024,
    maxSections: { audio: 4, video: 4, application: 1 } as Record<string, number>,
    maxRidsPerSection: 4,
};

/** A client's offer the server will not answer; `message` says why, in words a client can act on. */
export class InvalidOffer extends Error {}

/** Validates an offer against {@link OFFER_LIMITS} and the protocol, then describes it. */
export function parseOffer(sdp: unknown): OfferInfo {
    if (typeof sdp !== 'string' || !/^v=0/m.test(sdp) || !/^m=/m.test(sdp)) throw new InvalidOffer('not an SDP offer');
    const bytes = Buffer.byteLength(sdp);
    if (bytes > OFFER_LIMITS.maxBytes) {
        throw new InvalidOffer(`offer is ${bytes} bytes; the limit is ${OFFER_LIMITS.maxBytes}`);
    }
    checkSectionCounts(sdp);
    const parsed = sdpTransform.parse(sdp);
    const media = parsed.media.map((m, index) => describeSection(m, index, parsed.direction));
    checkTransport(parsed, media);
    const av = media.filter((m) => (m.kind === 'audio' || m.kind === 'video') && !m.rejected);
    if (!av.length) throw new InvalidOffer('offer has no audio or video');
    const role = av.every((m) => m.direction === 'sendonly') ? 'publish' : 'play';
    return { role, media };
}

/** Counted on the raw text, so that a huge offer costs a regular expression, not a parse. */
function checkSectionCounts(sdp: string): void {
    const counts = new Map<string, number>();
    for (const [, kind = ''] of sdp.matchAll(/^m=([^ \r\n]*)/gm)) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    for (const [kind, count] of counts) {
        const max = OFFER_LIMITS.maxSections[kind];
        if (max === undefined) throw new InvalidOffer(`unsupported media section "m=${kind}"`);
        if (count > max) throw new InvalidOffer(`offer has ${count} ${kind} sections; the limit is ${max}`);
    }
}

function describeSection(m: sdpTransform.MediaDescription, index: number, sessionDirection?: string): OfferMedia {
    const fmtps = new Map((m.fmtp ?? []).map((f) => [Number(f.payload), f.config]));
    const codecs: OfferCodec[] = (m.rtp ?? []).map((r) => ({
        pt: Number(r.payload),
        name: r.codec,
        clockRate: Number(r.rate ?? 0),
        ...(r.encoding ? { channels: Number(r.encoding) } : {}),
        fmtp: fmtps.get(Number(r.payload)) ?? '',
    }));
    let rids = (m.rids ?? []).filter((r) => r.direction === 'send').map((r) => String(r.id));
    const sim = (m as { simulcast?: { list1?: string } }).simulcast?.list1;
    if (sim) {
        const order = sim
            .split(';')
            .map((s) => s.split(',')[0]!.replace(/^~/, ''))
            .filter(Boolean);
        rids = [...order.filter((r) => rids.includes(r)), ...rids.filter((r) => !order.includes(r))];
    }
    if (rids.length > OFFER_LIMITS.maxRidsPerSection) {
        throw new InvalidOffer(
            `media section ${index} has ${rids.length} simulcast layers; the limit is ${OFFER_LIMITS.maxRidsPerSection}`,
        );
    }
    return {
        index,
        kind: m.type as OfferMedia['kind'],
        mid: String(m.mid ?? index),
        direction: m.direction ?? sessionDirection ?? 'sendrecv',
        port: m.port,
        rejected: m.port === 0 && m.bundleOnly === undefined,
        codecs,
        rids,
    };
}

/**
 * One transport for everything (the server is BUNDLE-only), and what DTLS-SRTP needs to start:
 * ICE credentials and a certificate fingerprint, in each section or at session level.
 */
function checkTransport(parsed: sdpTransform.SessionDescription, media: OfferMedia[]): void {
    const bundle = (parsed.groups ?? []).find((g) => g.type === 'BUNDLE');
    const bundled = new Set(
        String(bundle?.mids ?? '')
            .split(' ')
            .filter(Boolean),
    );
    const mids = new Set<string>();
    media.forEach((m, i) => {
        const section = parsed.media[i]!;
        if (m.rejected) return; // turned down by the offerer itself: no transport needed
        if (section.mid === undefined) throw new InvalidOffer(`media section ${i} has no a=mid`);
        if (mids.has(m.mid)) throw new InvalidOffer(`media sections share the mid "${m.mid}"`);
        mids.add(m.mid);
        if (!bundled.has(m.mid)) {
            throw new InvalidOffer(`media section mid=${m.mid} is not in a=group:BUNDLE (BUNDLE is required)`);
        }
        if (!(section.iceUfrag ?? parsed.iceUfrag) || !(section.icePwd ?? parsed.icePwd)) {
            throw new InvalidOffer(`media section mid=${m.mid} has no ICE credentials (a=ice-ufrag, a=ice-pwd)`);
        }
        if (!(section.fingerprint ?? parsed.fingerprint)) {
            throw new InvalidOffer(`media section mid=${m.mid} has no DTLS fingerprint (a=fingerprint)`);
        }
    });
}
