import { parse, write, type SessionDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import type { VideoCodec } from '../../src/core/types';
import { enableOpusStereo, preferVideoCodec, prepareOffer, requireH264PacketizationMode1 } from '../../src/sdp/offer';
import { chromeLikeOffer, serverAnswer } from '../fakes/FakePeerConnection';
import { CHROMIUM_RECVONLY_OFFER, CHROMIUM_SENDONLY_OFFER } from '../fixtures/chromium-sdp';
import { FIREFOX_RECVONLY_OFFER, SAFARI_SENDONLY_OFFER } from '../fixtures/sdp';
import {
    CHROME_RECVONLY,
    CHROME_SENDONLY,
    CHROME_SENDONLY_MODE1,
    deepFreeze,
    expectConsistentPayloads,
    fmtpOf,
    mediaOf,
    OFFERS,
    payloadsOf,
    payloadsOfCodec,
} from './helpers';

describe('enableOpusStereo', () => {
    it('adds stereo=1;sprop-stereo=1 to the Chrome Opus fmtp', () => {
        const out = enableOpusStereo(parse(CHROME_SENDONLY));
        expect(fmtpOf(out, 'audio', 111)).toBe('minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
        expect(write(out)).toContain('a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1\r\n');
    });

    it('does it on the real Chromium offer, whose Opus is mono', () => {
        expect(fmtpOf(CHROMIUM_SENDONLY_OFFER, 'audio', 111)).toBe('minptime=10;useinbandfec=1');
        const out = enableOpusStereo(parse(CHROMIUM_SENDONLY_OFFER));
        expect(fmtpOf(out, 'audio', 111)).toBe('minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
    });

    it('keeps an existing stereo=1 (Firefox) in its place and adds only sprop-stereo', () => {
        const out = enableOpusStereo(parse(FIREFOX_RECVONLY_OFFER));
        expect(fmtpOf(out, 'audio', 109)).toBe('maxplaybackrate=48000;stereo=1;useinbandfec=1;sprop-stereo=1');
    });

    it('turns stereo=0 into stereo=1', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:111 minptime=10;useinbandfec=1',
            'a=fmtp:111 stereo=0;sprop-stereo=0',
        );
        expect(fmtpOf(enableOpusStereo(parse(sdp)), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('creates the fmtp entry when Opus has none', () => {
        const sdp = CHROME_SENDONLY.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
        expect(fmtpOf(sdp, 'audio', 111)).toBeUndefined();
        const out = enableOpusStereo(parse(sdp));
        expect(fmtpOf(out, 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
        expect(write(out)).toContain('a=fmtp:111 stereo=1;sprop-stereo=1\r\n');
    });

    it('reads an m-line with a single payload (sdp-transform gives it as a number)', () => {
        const answer = parse(serverAnswer(CHROME_RECVONLY));
        expect(typeof mediaOf(answer, 'audio').payloads).toBe('number');
        expect(fmtpOf(enableOpusStereo(answer), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('changes nothing in audio but the Opus fmtp (Safari offer with msid/ssrc/extmap)', () => {
        const before = parse(SAFARI_SENDONLY_OFFER);
        const after = enableOpusStereo(before);
        const audio = structuredClone(mediaOf(after, 'audio'));
        expect(audio.fmtp.find((f) => f.payload === 111)?.config).toBe(
            'minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1',
        );
        audio.fmtp.find((f) => f.payload === 111)!.config = 'minptime=10;useinbandfec=1';
        expect(audio).toEqual(before.media[0]);
        expect(after.media[1]).toEqual(before.media[1]);
        expect({ ...after, media: [] }).toEqual({ ...before, media: [] });
        // RED's fmtp (63 111/111) is not Opus: untouched.
        expect(fmtpOf(after, 'audio', 63)).toBe('111/111');
    });

    it('keeps every other audio line of the Firefox offer (extmap directions, ssrc)', () => {
        const out = prepareOffer(FIREFOX_RECVONLY_OFFER);
        const audio = mediaOf(out, 'audio');
        audio.fmtp.find((f) => f.payload === 109)!.config = 'maxplaybackrate=48000;stereo=1;useinbandfec=1';
        expect(audio).toEqual(parse(FIREFOX_RECVONLY_OFFER).media[0]);
        expect(out).toContain('a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n');
    });

    it('leaves a video m-line with nothing to edit alone', () => {
        const out = prepareOffer(CHROME_SENDONLY_MODE1);
        expect(mediaOf(out, 'video')).toEqual(mediaOf(CHROME_SENDONLY_MODE1, 'video'));
    });
});

describe('requireH264PacketizationMode1', () => {
    it('removes Chrome H264 mode 0 (102) and its RTX (103), with their rtpmap and fmtp', () => {
        const out = requireH264PacketizationMode1(parse(CHROME_SENDONLY));
        expect(payloadsOf(out, 'video')).toEqual([96, 97, 98, 99, 100, 101]);
        expect(write(out)).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):10[23] /);
        expect(fmtpOf(out, 'video', 100)).toBe(
            'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
        );
        expectConsistentPayloads(out);
    });

    it('removes the three mode-0 profiles of the real Chromium offer and their RTX, keeping mode 1', () => {
        const before = parse(CHROMIUM_SENDONLY_OFFER);
        const out = requireH264PacketizationMode1(before);
        // 104/107 (42001f), 114/115 (42e01f), 39/40 (4d001f) are mode 0 and its RTX.
        const removed = [104, 107, 114, 115, 39, 40];
        expect(payloadsOf(out, 'video')).toEqual(payloadsOf(before, 'video').filter((p) => !removed.includes(p)));
        expect(payloadsOfCodec(out, 'video', 'H264')).toEqual([102, 108, 116]);
        expect(write(out)).not.toContain('packetization-mode=0');
        expectConsistentPayloads(out);
    });

    it('removes Firefox H264 without packetization-mode (97, implicit mode 0), its RTX 98 and rtcp-fb', () => {
        const out = requireH264PacketizationMode1(parse(FIREFOX_RECVONLY_OFFER));
        expect(payloadsOf(out, 'video')).toEqual([120, 124, 121, 125, 126, 127, 123, 122, 119]);
        expect(write(out)).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):9[78] /);
        expectConsistentPayloads(out);
    });

    it('removes both Safari mode-0 profiles (100, 127) and their RTX (101, 125), keeping the rest', () => {
        const out = requireH264PacketizationMode1(parse(SAFARI_SENDONLY_OFFER));
        expect(payloadsOf(out, 'video')).toEqual([96, 97, 98, 99, 104, 105, 106, 107, 108, 109, 114]);
        expect(write(out)).not.toContain('packetization-mode=0');
        expectConsistentPayloads(out);
        expect(mediaOf(out, 'video').ssrcs).toEqual(mediaOf(SAFARI_SENDONLY_OFFER, 'video').ssrcs);
        expect(mediaOf(out, 'video').ext).toEqual(mediaOf(SAFARI_SENDONLY_OFFER, 'video').ext);
        expect(mediaOf(out, 'audio')).toEqual(mediaOf(SAFARI_SENDONLY_OFFER, 'audio'));
    });

    it('keeps H264 when no payload declares mode 1 (better mode 0 than no H264)', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;',
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=0;',
        );
        const out = requireH264PacketizationMode1(parse(sdp));
        expect(payloadsOf(out, 'video')).toEqual(payloadsOf(sdp, 'video'));
        expect(out).toEqual(parse(sdp));
    });

    it('keeps a wildcard rtcp-fb line (it concerns every payload)', () => {
        const sdp = CHROME_SENDONLY.replace('a=rtcp-fb:96 goog-remb', 'a=rtcp-fb:* goog-remb');
        const out = requireH264PacketizationMode1(parse(sdp));
        expect(mediaOf(out, 'video').rtcpFb).toContainEqual({ payload: '*', type: 'goog-remb' });
    });

    it('removes the rarer payload-scoped attributes too (rtcp-fb trr-int, imageattr)', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:102 ',
            'a=rtcp-fb:102 trr-int 100\r\na=imageattr:102 send [x=640,y=480]\r\na=imageattr:100 send [x=640,y=480]\r\na=fmtp:102 ',
        );
        const video = mediaOf(requireH264PacketizationMode1(parse(sdp)), 'video');
        expect(video.rtcpFbTrrInt).toEqual([]);
        expect(video.imageattrs?.map((imageattr) => imageattr.pt)).toEqual([100]);
    });

    it('leaves an offer whose H264 is all mode 1 alone', () => {
        expect(requireH264PacketizationMode1(parse(CHROME_SENDONLY_MODE1))).toEqual(parse(CHROME_SENDONLY_MODE1));
    });
});

describe('preferVideoCodec', () => {
    it('moves H264 and its RTX to the front of the Chrome video m-line', () => {
        const out = prepareOffer(CHROME_SENDONLY, { videoCodec: 'H264' });
        expect(payloadsOf(out, 'video')).toEqual([100, 101, 96, 97, 98, 99]);
        expect(out).toMatch(/m=video 9 UDP\/TLS\/RTP\/SAVPF 100 101 96 97 98 99\r\n/);
        expectConsistentPayloads(out);
    });

    it('moves every H264 payload with its RTX, keeping their order and the order of the others', () => {
        const out = preferVideoCodec(parse(CHROME_SENDONLY_MODE1), 'H264');
        expect(payloadsOf(out, 'video')).toEqual([100, 101, 102, 103, 96, 97, 98, 99]);
    });

    it('moves AV1 and its RTX first on the real Chromium offer', () => {
        const before = parse(CHROMIUM_RECVONLY_OFFER);
        const out = preferVideoCodec(before, 'AV1');
        // AV1 is offered in two profiles (45, 47), each with its RTX (46, 48).
        const av1 = [45, 46, 47, 48];
        expect(payloadsOf(out, 'video')).toEqual([
            ...av1,
            ...payloadsOf(before, 'video').filter((p) => !av1.includes(p)),
        ]);
        // Only the order changes.
        expect({ ...mediaOf(out, 'video'), payloads: '' }).toEqual({ ...mediaOf(before, 'video'), payloads: '' });
    });

    it('moves VP9 first on Firefox', () => {
        expect(payloadsOf(prepareOffer(FIREFOX_RECVONLY_OFFER, { videoCodec: 'VP9' }), 'video')).toEqual([
            121, 125, 120, 124, 126, 127, 123, 122, 119,
        ]);
    });

    it('moves VP8 first on Safari (H264 first by default)', () => {
        const out = prepareOffer(SAFARI_SENDONLY_OFFER, { videoCodec: 'VP8' });
        expect(payloadsOf(out, 'video').slice(0, 3)).toEqual([104, 105, 96]);
    });

    it('leaves the payload order unchanged when the codec is absent', () => {
        const out = prepareOffer(CHROME_SENDONLY_MODE1, { videoCodec: 'AV1' });
        expect(payloadsOf(out, 'video')).toEqual(payloadsOf(CHROME_SENDONLY_MODE1, 'video'));
        expect(out).toBe(prepareOffer(CHROME_SENDONLY_MODE1));
        expect(preferVideoCodec(parse(CHROME_SENDONLY), 'AV1')).toEqual(parse(CHROME_SENDONLY));
    });

    it('leaves the offer unchanged for a codec name it does not know (a JavaScript caller)', () => {
        const session = parse(CHROMIUM_SENDONLY_OFFER);
        expect(preferVideoCodec(session, 'H265' as VideoCodec)).toEqual(session);
        expect(preferVideoCodec(session, '' as VideoCodec)).toEqual(session);
    });

    it('does not touch audio, even for a codec name audio has', () => {
        const session = parse(SAFARI_SENDONLY_OFFER);
        expect(mediaOf(preferVideoCodec(session, 'VP9'), 'audio')).toEqual(mediaOf(session, 'audio'));
        expect(preferVideoCodec(session, 'OPUS' as VideoCodec)).toEqual(session);
    });
});

describe('prepareOffer', () => {
    it('applies the three edits', () => {
        const out = prepareOffer(CHROME_SENDONLY, { videoCodec: 'VP9' });
        expect(fmtpOf(out, 'audio', 111)).toBe('minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
        expect(payloadsOf(out, 'video')).toEqual([98, 99, 96, 97, 100, 101]);
    });

    it('without a codec keeps the browser order of what it keeps', () => {
        expect(payloadsOf(prepareOffer(CHROME_SENDONLY), 'video')).toEqual([96, 97, 98, 99, 100, 101]);
    });

    it('gives the preferred codec only its mode-1 H264 payloads (the mode-0 ones are gone first)', () => {
        const out = prepareOffer(CHROMIUM_SENDONLY_OFFER, { videoCodec: 'H264' });
        expect(payloadsOf(out, 'video').slice(0, 6)).toEqual([102, 103, 108, 109, 116, 117]);
    });

    it('is idempotent: a second pass changes nothing', () => {
        for (const [, sdp] of OFFERS) {
            for (const videoCodec of [undefined, 'VP9', 'H264', 'AV1'] as const) {
                const once = prepareOffer(sdp, { videoCodec });
                expect(prepareOffer(once, { videoCodec })).toBe(once);
            }
        }
    });
});

describe('the edits are pure', () => {
    const edits: [string, (session: SessionDescription) => SessionDescription][] = [
        ['enableOpusStereo', enableOpusStereo],
        ['requireH264PacketizationMode1', requireH264PacketizationMode1],
        ['preferVideoCodec H264', (session) => preferVideoCodec(session, 'H264')],
        ['preferVideoCodec VP9', (session) => preferVideoCodec(session, 'VP9')],
    ];

    it.each(edits)('%s leaves its (frozen) input as it was and returns a new session', (_name, edit) => {
        for (const [, sdp] of OFFERS) {
            const input = deepFreeze(parse(sdp));
            const out = edit(input);
            expect(input).toEqual(parse(sdp));
            expect(out).not.toBe(input);
            expect(out.media[0]).not.toBe(input.media[0]);
        }
    });

    it('the edit that changes something changes only its copy', () => {
        const input = parse(CHROME_SENDONLY);
        const out = requireH264PacketizationMode1(input);
        expect(payloadsOf(input, 'video')).toContain(102);
        expect(payloadsOf(out, 'video')).not.toContain(102);
        // And the copy does not share objects with the input: editing it leaves the input alone.
        mediaOf(out, 'audio').fmtp[0]!.config = 'changed';
        expect(fmtpOf(input, 'audio', 111)).toBe('minptime=10;useinbandfec=1');
    });

    const audioOnly = chromeLikeOffer([{ kind: 'audio', direction: 'sendonly', mid: '0' }]);
    const videoOnly = chromeLikeOffer([{ kind: 'video', direction: 'recvonly', mid: '0' }]);
    /** A data channel only: an m-line whose format is a name, not a payload type. */
    const dataOnly = [
        'v=0',
        'o=- 1 2 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        'a=group:BUNDLE 0',
        'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
        'c=IN IP4 0.0.0.0',
        'a=ice-ufrag:abcd',
        'a=ice-pwd:abcdefghijklmnopqrstuvwx',
        'a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99',
        'a=setup:actpass',
        'a=mid:0',
        'a=sctp-port:5000',
        'a=max-message-size:262144',
        '',
    ].join('\r\n');

    it.each([
        ['audio only', audioOnly],
        ['video only', videoOnly],
        ['data channel only', dataOnly],
    ])('never throws on SDP without the codec concerned (%s)', (_name, sdp) => {
        const session = parse(sdp);
        for (const [, edit] of edits) expect(() => edit(session)).not.toThrow();
        for (const videoCodec of [undefined, 'H264', 'AV1'] as const) {
            const out = prepareOffer(sdp, { videoCodec });
            expect(parse(out).media.map((m) => [m.type, m.mid])).toEqual(session.media.map((m) => [m.type, m.mid]));
        }
    });

    it('a video-only offer gains no audio parameters, an audio-only one loses no payload', () => {
        expect(prepareOffer(videoOnly)).not.toContain('stereo');
        expect(payloadsOf(prepareOffer(audioOnly, { videoCodec: 'H264' }), 'audio')).toEqual(
            payloadsOf(audioOnly, 'audio'),
        );
    });
});
