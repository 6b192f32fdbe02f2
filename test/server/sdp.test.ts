// SDP handling of the reference server: offer validation and analysis, codec choice, munging, ICE restart fragments.
import { describe, expect, it } from 'vitest';
import { parse } from 'sdp-transform';
import { parseFmtp, pickPlayCodec, pickPublishCodec } from '../../demo/server/sdp/codecs.ts';
import { answerFragment, iceCredentials, readFragment, withIceCredentials } from '../../demo/server/sdp/fragment.ts';
import { EXT_MID, EXT_RID, fixAnswer, mungeOffer } from '../../demo/server/sdp/munge.ts';
import { InvalidOffer, OFFER_LIMITS, parseOffer } from '../../demo/server/sdp/offer.ts';
import { firefoxPlaySdp, firefoxPublishSdp, playSdp, publishSdp, simulcastSdp } from './helpers.ts';

/** The offer without the lines matching `drop`. */
const without = (sdp: string, drop: RegExp) =>
    sdp
        .split('\r\n')
        .filter((l) => !drop.test(l))
        .join('\r\n');

/** A minimal BUNDLEd section, as many as wanted. */
const section = (kind: string, mid: number, bundled = true) =>
    [
        `m=${kind} 9 UDP/TLS/RTP/SAVPF 96`,
        'c=IN IP4 0.0.0.0',
        `a=mid:${mid}`,
        'a=sendonly',
        'a=rtpmap:96 VP8/90000',
        ...(bundled ? [] : ['a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuv']),
    ].join('\r\n');

const offerWith = (sections: string[], bundle = sections.map((_, i) => i)) =>
    [
        'v=0',
        'o=- 1 2 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        ...(bundle.length ? [`a=group:BUNDLE ${bundle.join(' ')}`] : []),
        'a=ice-ufrag:abcd',
        'a=ice-pwd:abcdefghijklmnopqrstuv',
        'a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF',
        'a=setup:actpass',
        ...sections,
        '',
    ].join('\r\n');

const rejection = (sdp: unknown) => {
    try {
        parseOffer(sdp);
    } catch (e) {
        expect(e).toBeInstanceOf(InvalidOffer);
        return (e as Error).message;
    }
    throw new Error('offer accepted');
};

describe('offer analysis', () => {
    it('tells publish from play and reads codecs and rids', () => {
        const pub = parseOffer(publishSdp);
        expect(pub.role).toBe('publish');
        expect(pub.media.map((m) => m.kind)).toEqual(['audio', 'video']);
        expect(pickPublishCodec(pub.media[0]!)?.name).toBe('opus');
        expect(pickPublishCodec(pub.media[1]!)?.name).toBe('VP8');
        expect(parseOffer(simulcastSdp).media[1]!.rids).toEqual(['q', 'h', 'f']);
        expect(parseOffer(playSdp).role).toBe('play');
        expect(rejection('hello')).toBe('not an SDP offer');
        expect(rejection('v=0\r\n')).toBe('not an SDP offer');
        expect(rejection(42)).toBe('not an SDP offer');
    });

    it("takes Firefox's bundle-only sections (port 0 + a=bundle-only) as offered, not rejected", () => {
        // Under max-bundle, Firefox offers every section after the first with port 0 and
        // a=bundle-only (RFC 8843 §6): read as rejected, its video was refused (issue #14).
        expect(firefoxPublishSdp).toMatch(/^m=video 0 /m);
        expect(firefoxPublishSdp).toMatch(/^a=bundle-only$/m);
        const pub = parseOffer(firefoxPublishSdp);
        expect(pub.role).toBe('publish');
        expect(pub.media.map((m) => [m.kind, m.port, m.rejected])).toEqual([
            ['audio', 9, false],
            ['video', 0, false],
        ]);
        expect(pickPublishCodec(pub.media[1]!)?.name).toBe('VP8');
        const play = parseOffer(firefoxPlaySdp);
        expect(play.role).toBe('play');
        expect(play.media[1]).toMatchObject({ kind: 'video', direction: 'recvonly', rejected: false });
        // port 0 without a=bundle-only is still the offerer's own refusal
        const refused = parseOffer(without(firefoxPublishSdp, /^a=bundle-only$/));
        expect(refused.media[1]!.rejected).toBe(true);
    });

    it('accepts a minimal BUNDLEd offer with session-level credentials', () => {
        expect(parseOffer(offerWith([section('video', 0), section('audio', 1)])).role).toBe('publish');
    });
});

describe('offer validation (before any work)', () => {
    it('rejects more sections of a kind than the limit, without parsing a huge offer', () => {
        const many = offerWith(
            Array.from({ length: 1000 }, (_, i) => section('video', i, false)),
            [],
        );
        expect(Buffer.byteLength(many)).toBeLessThan(200_000);
        const t0 = performance.now();
        const message = rejection(many.slice(0, OFFER_LIMITS.maxBytes - 100));
        expect(performance.now() - t0).toBeLessThan(50);
        expect(message).toMatch(/^offer has \d+ video sections; the limit is 4$/);
        expect(rejection(offerWith([0, 1, 2, 3, 4].map((i) => section('video', i))))).toBe(
            'offer has 5 video sections; the limit is 4',
        );
        expect(parseOffer(offerWith([0, 1, 2, 3].map((i) => section('video', i)))).media).toHaveLength(4);
    });

    it('rejects an offer larger than the size cap', () => {
        const big = publishSdp + `a=x-padding:${'x'.repeat(OFFER_LIMITS.maxBytes)}\r\n`;
        expect(rejection(big)).toBe(`offer is ${Buffer.byteLength(big)} bytes; the limit is ${OFFER_LIMITS.maxBytes}`);
    });

    it('requires BUNDLE: every section in a=group:BUNDLE', () => {
        expect(rejection(without(publishSdp, /^a=group:BUNDLE/))).toBe(
            'media section mid=0 is not in a=group:BUNDLE (BUNDLE is required)',
        );
        expect(rejection(publishSdp.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0'))).toBe(
            'media section mid=1 is not in a=group:BUNDLE (BUNDLE is required)',
        );
        // a section the offerer rejects itself (port 0) needs no transport
        const rejected = offerWith([section('video', 0), section('audio', 1).replace('m=audio 9', 'm=audio 0')], [0]);
        expect(parseOffer(rejected).media).toHaveLength(2);
    });

    it('requires ICE credentials and a DTLS fingerprint, with a clear text', () => {
        expect(rejection(without(publishSdp, /^a=ice-(ufrag|pwd):/))).toBe(
            'media section mid=0 has no ICE credentials (a=ice-ufrag, a=ice-pwd)',
        );
        expect(rejection(without(publishSdp, /^a=ice-pwd:/))).toMatch(/no ICE credentials/);
        expect(rejection(without(playSdp, /^a=fingerprint:/))).toBe(
            'media section mid=0 has no DTLS fingerprint (a=fingerprint)',
        );
    });

    it('rejects missing or duplicate mids, unknown kinds and too many simulcast layers', () => {
        expect(rejection(without(publishSdp, /^a=mid:1$/))).toBe('media section 1 has no a=mid');
        expect(rejection(offerWith([section('video', 0), section('audio', 0)]))).toBe(
            'media sections share the mid "0"',
        );
        expect(rejection(offerWith([section('text', 0)]))).toBe('unsupported media section "m=text"');
        const rids = ['a', 'b', 'c', 'd', 'e'];
        const layered = offerWith([
            [section('video', 0), ...rids.map((r) => `a=rid:${r} send`), `a=simulcast:send ${rids.join(';')}`].join(
                '\r\n',
            ),
        ]);
        expect(rejection(layered)).toBe('media section 0 has 5 simulcast layers; the limit is 4');
        expect(rejection(offerWith([section('application', 0).replace('a=sendonly\r\n', '')]))).toBe(
            'offer has no audio or video',
        );
    });
});

describe('codec choice and munging', () => {
    it('picks the player payload type matching the publisher codec (H264 packetization-mode=1)', () => {
        const play = parseOffer(playSdp).media[1]!;
        const h264 = play.codecs.find(
            (c) =>
                c.name === 'H264' &&
                parseFmtp(c.fmtp)['packetization-mode'] === '1' &&
                parseFmtp(c.fmtp)['profile-level-id'] === '42e01f',
        )!;
        const picked = pickPlayCodec(play, { ...h264, pt: 999 })!;
        expect(picked.pt).toBe(h264.pt);
        const vp8 = pickPlayCodec(play, { pt: 1, name: 'VP8', clockRate: 90000, fmtp: '' })!;
        expect(vp8.name).toBe('VP8');
    });

    it('munges an offer down to one codec, remb feedback and the kept extensions', () => {
        const info = parseOffer(simulcastSdp);
        const a = pickPublishCodec(info.media[0]!)!;
        const v = pickPublishCodec(info.media[1]!)!;
        const out = mungeOffer(
            simulcastSdp,
            new Map([
                [0, a.pt],
                [1, v.pt],
            ]),
            [EXT_MID, EXT_RID],
        );
        const sections = out.split(/^m=/m).slice(1);
        expect(sections[0]!.match(/^a=rtpmap/gm)).toHaveLength(1);
        expect(sections[1]!.match(/^a=rtpmap/gm)).toHaveLength(1);
        expect(out).not.toMatch(/transport-cc/);
        expect(out).toMatch(/goog-remb/);
        expect(out).not.toMatch(/abs-send-time/);
        expect(out).toMatch(/a=simulcast:send q;h;f/);
        expect(parseOffer(out).media[1]!.rids).toEqual(['q', 'h', 'f']);
        const rejected = mungeOffer(publishSdp, new Map([[1, v.pt]]), []);
        expect(rejected).toMatch(/^m=audio 0 /m);
    });

    it('gives a chosen bundle-only section the port werift reads as accepted', () => {
        const info = parseOffer(firefoxPublishSdp);
        const choice = new Map(info.media.map((m) => [m.index, pickPublishCodec(m)?.pt]));
        const out = mungeOffer(firefoxPublishSdp, choice, [EXT_MID]);
        expect(out).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 120$/m);
        expect(out).not.toMatch(/bundle-only/);
        // not chosen: rejected (port 0), whatever a=bundle-only said
        const audioOnly = mungeOffer(firefoxPublishSdp, new Map([[0, choice.get(0)]]), []);
        expect(audioOnly).toMatch(/^m=video 0 /m);
    });

    it('fixes an answer: ice-lite, passive, loopback UDP candidates only', () => {
        const answer = [
            'v=0',
            'o=- 1 1 IN IP4 0.0.0.0',
            's=-',
            't=0 0',
            'a=group:BUNDLE 0',
            'm=video 9 UDP/TLS/RTP/SAVPF 96',
            'c=IN IP4 0.0.0.0',
            'a=mid:0',
            'a=setup:active',
            'a=rtpmap:96 VP8/90000',
            'a=candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host',
            'a=candidate:2 1 udp 2130706431 192.168.1.20 5001 typ host',
            'a=candidate:3 1 tcp 2130706431 127.0.0.1 5002 typ host tcptype passive',
            '',
        ].join('\r\n');
        const fixed = fixAnswer(answer);
        expect(fixed).toMatch(/^a=ice-lite/m);
        expect(fixed).toMatch(/^a=setup:passive/m);
        expect(fixed).toMatch(/127\.0\.0\.1 5000/);
        expect(fixed).not.toMatch(/192\.168/);
        expect(fixed).not.toMatch(/ tcp /);
        expect(fixed).toMatch(/^a=end-of-candidates/m);
        // Not a publisher's answer (no recvonly video): no start-bitrate hint.
        expect(fixed).not.toMatch(/x-google-start-bitrate/);
    });

    it('gives publishers a video start bitrate (Chrome sizes its first frames from it)', () => {
        const answer = (extra: string[]) =>
            [
                'v=0',
                'o=- 1 1 IN IP4 0.0.0.0',
                's=-',
                't=0 0',
                'm=video 9 UDP/TLS/RTP/SAVPF 96',
                'a=mid:0',
                'a=recvonly',
                'a=rtpmap:96 VP8/90000',
                ...extra,
                '',
            ].join('\r\n');
        expect(fixAnswer(answer([]))).toMatch(/^a=fmtp:96 x-google-start-bitrate=1500$/m);
        const h264 = fixAnswer(answer(['a=fmtp:96 packetization-mode=1;profile-level-id=42e01f']));
        expect(h264).toMatch(/^a=fmtp:96 packetization-mode=1;profile-level-id=42e01f;x-google-start-bitrate=1500$/m);
        expect(fixAnswer(h264).match(/x-google-start-bitrate/g)).toHaveLength(1);
    });
});

describe('ICE restart fragments (RFC 9725 §4.3.2)', () => {
    it('reads a client fragment: its credentials and candidate lines', () => {
        const fragment =
            'a=ice-ufrag:rst1\r\na=ice-pwd:restartpasswordnumber1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n' +
            'a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host\r\na=end-of-candidates\r\n';
        expect(readFragment(fragment)).toEqual({
            ufrag: 'rst1',
            pwd: 'restartpasswordnumber1',
            candidates: ['a=candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host'],
        });
        expect(readFragment('a=mid:0\n')).toEqual({ candidates: [] });
    });

    it.each([
        ['Chromium', publishSdp],
        ['Firefox (bundle-only sections)', firefoxPublishSdp],
    ])('%s: the restart offer changes the ICE credentials only', (_, offer) => {
        const restarted = withIceCredentials(offer, 'rst1', 'restartpasswordnumber1');
        expect(iceCredentials(restarted)).toEqual({ ufrag: 'rst1', pwd: 'restartpasswordnumber1' });
        const before = parse(offer);
        const after = parse(restarted);
        expect(after.media.map((m) => [m.mid, m.port, m.payloads, m.fingerprint?.hash, m.setup])).toEqual(
            before.media.map((m) => [m.mid, m.port, m.payloads, m.fingerprint?.hash, m.setup]),
        );
        for (const m of after.media) {
            if (m.iceUfrag !== undefined) expect([m.iceUfrag, m.icePwd]).toEqual(['rst1', 'restartpasswordnumber1']);
        }
        expect(restarted).not.toContain(`a=ice-ufrag:${iceCredentials(offer).ufrag}`);
    });

    it('the answer fragment: ice-lite, the new credentials, the BUNDLE transport with its candidates', () => {
        const answer = [
            'v=0',
            'o=- 1 0 IN IP4 127.0.0.1',
            's=-',
            't=0 0',
            'a=ice-lite',
            'a=group:BUNDLE 0 1',
            'm=audio 0 UDP/TLS/RTP/SAVPF 111',
            'a=mid:2',
            'm=audio 9 UDP/TLS/RTP/SAVPF 111',
            'c=IN IP4 127.0.0.1',
            'a=ice-ufrag:srv2',
            'a=ice-pwd:serverpasswordnumbertwo1',
            'a=mid:0',
            'a=candidate:0 1 UDP 2130706431 127.0.0.1 40000 typ host',
            'a=end-of-candidates',
            'm=video 9 UDP/TLS/RTP/SAVPF 96',
            'a=ice-ufrag:srv2',
            'a=mid:1',
            '',
        ].join('\r\n');
        expect(answerFragment(answer)).toBe(
            'a=ice-lite\r\na=ice-ufrag:srv2\r\na=ice-pwd:serverpasswordnumbertwo1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n' +
                'a=mid:0\r\na=candidate:0 1 UDP 2130706431 127.0.0.1 40000 typ host\r\na=end-of-candidates\r\n',
        );
    });
});
