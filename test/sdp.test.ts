import { parse, write, type MediaDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import {
    countIncomingMedia,
    describeMedia,
    enableOpusStereo,
    isPlausibleSdp,
    negotiatedCodecs,
    preferVideoCodec,
    requireH264PacketizationMode1,
} from '../src/sdp/munge';
import { chromeLikeOffer, serverAnswer } from './fakes/FakePeerConnection';
import { FIREFOX_RECVONLY_OFFER, MIST_PLAY_ANSWER_H264, SAFARI_SENDONLY_OFFER } from './fixtures/sdp';

const t = (kind: string, direction: string, mid: string) => ({ kind, direction, mid });
const CHROME_RECVONLY = chromeLikeOffer([t('audio', 'recvonly', '0'), t('video', 'recvonly', '1')]);
const CHROME_SENDONLY = chromeLikeOffer([t('audio', 'sendonly', '0'), t('video', 'sendonly', '1')]);

function media(sdp: string, type: 'audio' | 'video'): MediaDescription {
    const m = parse(sdp).media.find((x) => x.type === type);
    if (!m) throw new Error(`no ${type} m-line`);
    return m;
}

function payloads(sdp: string, type: 'audio' | 'video'): number[] {
    return String(media(sdp, type).payloads).split(' ').map(Number);
}

function fmtp(sdp: string, type: 'audio' | 'video', payload: number): string | undefined {
    return media(sdp, type).fmtp.find((f) => f.payload === payload)?.config;
}

/** Every payload-scoped attribute of an m-line refers to a payload of its m= line. */
function expectConsistentPayloads(sdp: string): void {
    for (const m of parse(sdp).media) {
        const list = new Set(String(m.payloads).split(' ').map(Number));
        for (const r of m.rtp) expect(list.has(r.payload)).toBe(true);
        for (const f of m.fmtp) expect(list.has(f.payload)).toBe(true);
        for (const fb of m.rtcpFb ?? []) if (fb.payload !== '*') expect(list.has(Number(fb.payload))).toBe(true);
        expect(m.rtp.length).toBe(list.size);
    }
}

describe('fixtures', () => {
    it.each([
        ['chrome', CHROME_RECVONLY],
        ['firefox', FIREFOX_RECVONLY_OFFER],
        ['safari', SAFARI_SENDONLY_OFFER],
        ['mist answer', MIST_PLAY_ANSWER_H264],
    ])('%s SDP parses with two m-lines and consistent payloads', (_name, sdp) => {
        expect(parse(sdp).media.map((m) => m.type)).toEqual(['audio', 'video']);
        expectConsistentPayloads(sdp);
    });
});

describe('enableOpusStereo', () => {
    it('adds stereo=1;sprop-stereo=1 to the Chrome Opus fmtp', () => {
        const out = enableOpusStereo(CHROME_SENDONLY);
        expect(fmtp(out, 'audio', 111)).toBe('minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
        expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1\r\n');
    });

    it('keeps an existing stereo=1 (Firefox) and adds only sprop-stereo', () => {
        const out = enableOpusStereo(FIREFOX_RECVONLY_OFFER);
        expect(fmtp(out, 'audio', 109)).toBe('maxplaybackrate=48000;stereo=1;useinbandfec=1;sprop-stereo=1');
    });

    it('turns stereo=0 into stereo=1', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:111 minptime=10;useinbandfec=1',
            'a=fmtp:111 stereo=0;sprop-stereo=0',
        );
        expect(fmtp(enableOpusStereo(sdp), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('creates the fmtp line when Opus has none', () => {
        const sdp = CHROME_SENDONLY.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
        expect(fmtp(sdp, 'audio', 111)).toBeUndefined();
        expect(fmtp(enableOpusStereo(sdp), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('round-trips: applying it twice changes nothing more', () => {
        for (const sdp of [CHROME_RECVONLY, FIREFOX_RECVONLY_OFFER, SAFARI_SENDONLY_OFFER]) {
            const once = enableOpusStereo(sdp);
            expect(enableOpusStereo(once)).toBe(once);
        }
    });

    it('changes nothing but the Opus fmtp (Safari offer with msid/ssrc/extmap)', () => {
        const before = parse(SAFARI_SENDONLY_OFFER);
        const after = parse(enableOpusStereo(SAFARI_SENDONLY_OFFER));
        const audio = after.media[0]!;
        expect(audio.fmtp.find((f) => f.payload === 111)?.config).toBe(
            'minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1',
        );
        audio.fmtp.find((f) => f.payload === 111)!.config = 'minptime=10;useinbandfec=1';
        expect(after).toEqual(before);
        // RED's fmtp (63 111/111) is not Opus: untouched.
        expect(fmtp(enableOpusStereo(SAFARI_SENDONLY_OFFER), 'audio', 63)).toBe('111/111');
    });

    it('keeps every other line of the Firefox offer (extmap directions, ssrc)', () => {
        const out = enableOpusStereo(FIREFOX_RECVONLY_OFFER);
        const after = parse(out);
        after.media[0]!.fmtp.find((f) => f.payload === 109)!.config = 'maxplaybackrate=48000;stereo=1;useinbandfec=1';
        expect(after).toEqual(parse(FIREFOX_RECVONLY_OFFER));
        expect(out).toContain('a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level');
    });

    it('leaves the video m-line alone', () => {
        expect(media(enableOpusStereo(CHROME_SENDONLY), 'video')).toEqual(media(CHROME_SENDONLY, 'video'));
    });
});

describe('requireH264PacketizationMode1', () => {
    it('removes Chrome H264 mode 0 (102) and its RTX (103)', () => {
        const out = requireH264PacketizationMode1(CHROME_SENDONLY);
        expect(payloads(out, 'video')).toEqual([96, 97, 98, 99, 100, 101]);
        expect(out).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):10[23] /);
        expect(out).toContain('a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
        expectConsistentPayloads(out);
    });

    it('removes Firefox H264 without packetization-mode (97, implicit mode 0), its RTX 98 and rtcp-fb', () => {
        const out = requireH264PacketizationMode1(FIREFOX_RECVONLY_OFFER);
        expect(payloads(out, 'video')).toEqual([120, 124, 121, 125, 126, 127, 123, 122, 119]);
        expect(out).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):9[78] /);
        expectConsistentPayloads(out);
    });

    it('removes both Safari mode-0 profiles (100, 127) and their RTX (101, 125)', () => {
        const out = requireH264PacketizationMode1(SAFARI_SENDONLY_OFFER);
        expect(payloads(out, 'video')).toEqual([96, 97, 98, 99, 104, 105, 106, 107, 108, 109, 114]);
        expect(out).not.toContain('packetization-mode=0');
        expectConsistentPayloads(out);
        // The rest of the SDP (ssrc, msid, extmap) survives.
        expect(media(out, 'video').ssrcs).toEqual(media(SAFARI_SENDONLY_OFFER, 'video').ssrcs);
        expect(media(out, 'video').ext).toEqual(media(SAFARI_SENDONLY_OFFER, 'video').ext);
        expect(media(out, 'audio')).toEqual(media(SAFARI_SENDONLY_OFFER, 'audio'));
    });

    it('keeps H264 when no payload declares mode 1 (better mode 0 than no H264)', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;',
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=0;',
        );
        expect(payloads(requireH264PacketizationMode1(sdp), 'video')).toEqual(payloads(sdp, 'video'));
    });

    it('is idempotent', () => {
        const once = requireH264PacketizationMode1(SAFARI_SENDONLY_OFFER);
        expect(requireH264PacketizationMode1(once)).toBe(once);
    });
});

describe('preferVideoCodec', () => {
    it('moves H264 and its RTX to the front of the Chrome video m-line', () => {
        const out = preferVideoCodec(requireH264PacketizationMode1(CHROME_SENDONLY), 'H264');
        expect(payloads(out, 'video')).toEqual([100, 101, 96, 97, 98, 99]);
        expect(out).toMatch(/m=video 9 UDP\/TLS\/RTP\/SAVPF 100 101 96 97 98 99\r\n/);
        expectConsistentPayloads(out);
    });

    it('moves every H264 payload (both modes) with its RTX, keeping their order', () => {
        expect(payloads(preferVideoCodec(CHROME_SENDONLY, 'H264'), 'video')).toEqual([
            100, 101, 102, 103, 96, 97, 98, 99,
        ]);
    });

    it('moves VP9 first on Firefox', () => {
        expect(payloads(preferVideoCodec(FIREFOX_RECVONLY_OFFER, 'VP9'), 'video')).toEqual([
            121, 125, 120, 124, 126, 127, 97, 98, 123, 122, 119,
        ]);
    });

    it('moves VP8 first on Safari (H264 first by default)', () => {
        expect(payloads(preferVideoCodec(SAFARI_SENDONLY_OFFER, 'VP8'), 'video').slice(0, 3)).toEqual([104, 105, 96]);
    });

    it('leaves the payload order unchanged when the codec is absent', () => {
        const out = preferVideoCodec(CHROME_SENDONLY, 'AV1');
        expect(payloads(out, 'video')).toEqual(payloads(CHROME_SENDONLY, 'video'));
        expect(parse(out)).toEqual(parse(CHROME_SENDONLY));
    });

    it('does not touch audio', () => {
        expect(media(preferVideoCodec(SAFARI_SENDONLY_OFFER, 'VP9'), 'audio')).toEqual(
            media(SAFARI_SENDONLY_OFFER, 'audio'),
        );
    });
});

describe('describeMedia / negotiatedCodecs / countIncomingMedia', () => {
    it('describes a server answer to a play offer', () => {
        const answer = serverAnswer(CHROME_RECVONLY);
        expect(describeMedia(answer)).toEqual([
            { kind: 'audio', mid: '0', rejected: false, direction: 'sendonly', codec: 'OPUS' },
            { kind: 'video', mid: '1', rejected: false, direction: 'sendonly', codec: 'VP8' },
        ]);
        expect(negotiatedCodecs(answer)).toEqual(new Set(['OPUS', 'VP8']));
        expect(countIncomingMedia(answer)).toBe(2);
    });

    it('a rejected audio m-line (port 0) is neither a codec nor an incoming track', () => {
        const answer = serverAnswer(CHROME_RECVONLY, { rejectAudio: true });
        expect(describeMedia(answer)[0]).toEqual({
            kind: 'audio',
            mid: '0',
            rejected: true,
            direction: 'inactive',
            codec: 'OPUS',
        });
        expect(negotiatedCodecs(answer)).toEqual(new Set(['VP8']));
        expect(countIncomingMedia(answer)).toBe(1);
    });

    it('a rejected m-line that still says sendonly is not counted', () => {
        const answer = serverAnswer(CHROME_RECVONLY, { rejectAudio: true }).replace('a=inactive', 'a=sendonly');
        expect(countIncomingMedia(answer)).toBe(1);
        expect(negotiatedCodecs(answer)).toEqual(new Set(['VP8']));
    });

    it('reads the first payload as the chosen codec (H264 with RTX)', () => {
        expect(describeMedia(MIST_PLAY_ANSWER_H264).map((m) => m.codec)).toEqual(['OPUS', 'H264']);
        expect(negotiatedCodecs(MIST_PLAY_ANSWER_H264)).toEqual(new Set(['OPUS', 'H264']));
        expect(countIncomingMedia(MIST_PLAY_ANSWER_H264)).toBe(2);
    });

    it('an answer to a publish offer has no incoming media', () => {
        const answer = serverAnswer(CHROME_SENDONLY);
        expect(describeMedia(answer).map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
        expect(countIncomingMedia(answer)).toBe(0);
        expect(negotiatedCodecs(answer)).toEqual(new Set(['OPUS', 'VP8']));
    });

    it('an m-line without a direction attribute is sendrecv', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('a=sendonly\r\na=mid:1', 'a=mid:1');
        expect(describeMedia(answer)[1]?.direction).toBe('sendrecv');
        expect(countIncomingMedia(answer)).toBe(2);
    });

    it('describes browser offers too', () => {
        expect(describeMedia(FIREFOX_RECVONLY_OFFER).map((m) => [m.kind, m.mid, m.direction, m.codec])).toEqual([
            ['audio', '0', 'recvonly', 'OPUS'],
            ['video', '1', 'recvonly', 'VP8'],
        ]);
        expect(describeMedia(SAFARI_SENDONLY_OFFER).map((m) => m.codec)).toEqual(['OPUS', 'H264']);
    });
});

describe('munged SDP stays valid (round trip through sdp-transform)', () => {
    const munges: [string, (sdp: string) => string][] = [
        ['enableOpusStereo', enableOpusStereo],
        ['requireH264PacketizationMode1', requireH264PacketizationMode1],
        ['preferVideoCodec(H264)', (sdp) => preferVideoCodec(sdp, 'H264')],
        ['preferVideoCodec(VP9)', (sdp) => preferVideoCodec(sdp, 'VP9')],
        ['the offer pipeline', (sdp) => preferVideoCodec(requireH264PacketizationMode1(enableOpusStereo(sdp)), 'VP8')],
    ];
    const fixtures: [string, string][] = [
        ['chrome recvonly', CHROME_RECVONLY],
        ['chrome sendonly', CHROME_SENDONLY],
        ['firefox', FIREFOX_RECVONLY_OFFER],
        ['safari', SAFARI_SENDONLY_OFFER],
    ];
    for (const [name, munge] of munges) {
        it.each(fixtures)(`${name}: %s parses, re-serialises identically and keeps its m-lines`, (_n, sdp) => {
            const out = munge(sdp);
            expect(out.endsWith('\r\n')).toBe(true);
            expect(out).not.toMatch(/(^|[^\r])\n/);
            const parsed = parse(out);
            expect(parse(write(parsed))).toEqual(parsed);
            expect(parsed.media.map((m) => [m.type, m.mid, m.direction, m.port, m.protocol])).toEqual(
                parse(sdp).media.map((m) => [m.type, m.mid, m.direction, m.port, m.protocol]),
            );
            expect(parsed.fingerprint).toEqual(parse(sdp).fingerprint);
            expectConsistentPayloads(out);
            // Lines the edit does not concern keep the browser's order.
            const untouched = (text: string) =>
                text.split('\r\n').filter((line) => !/^(m=|a=(rtpmap|fmtp|rtcp-fb):)/.test(line));
            expect(untouched(out)).toEqual(untouched(sdp));
        });
    }
});

describe('isPlausibleSdp', () => {
    it('accepts real answers and offers', () => {
        expect(isPlausibleSdp(MIST_PLAY_ANSWER_H264)).toBe(true);
        expect(isPlausibleSdp(serverAnswer(CHROME_RECVONLY))).toBe(true);
        expect(isPlausibleSdp(FIREFOX_RECVONLY_OFFER)).toBe(true);
        expect(isPlausibleSdp(MIST_PLAY_ANSWER_H264.replace(/\r\n/g, '\n'))).toBe(true);
    });

    it.each([
        ['empty', ''],
        ['html', '<html><body>502 Bad Gateway</body></html>'],
        ['json', '{"type":"answer","sdp":"v=0"}'],
        ['no m-line', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n'],
        ['version only', 'v=0'],
        ['leading garbage', `x${MIST_PLAY_ANSWER_H264}`],
        ['wrong version', MIST_PLAY_ANSWER_H264.replace('v=0', 'v=1')],
    ])('rejects %s', (_name, sdp) => {
        expect(isPlausibleSdp(sdp)).toBe(false);
    });
});
