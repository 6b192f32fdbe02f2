import { parse, write, type MediaDescription } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { mungeOffer, readAnswer } from '../../src/sdp/munge';
import { chromeLikeOffer, serverAnswer } from '../fakes/FakePeerConnection';
import { FIREFOX_RECVONLY_OFFER, MIST_PLAY_ANSWER_H264, SAFARI_SENDONLY_OFFER } from '../fixtures/sdp';

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

/** CHROME_SENDONLY with both H264 payloads in packetization mode 1: the video edit drops nothing. */
const CHROME_SENDONLY_MODE1 = CHROME_SENDONLY.replace('packetization-mode=0', 'packetization-mode=1');

describe('mungeOffer: Opus stereo', () => {
    it('adds stereo=1;sprop-stereo=1 to the Chrome Opus fmtp', () => {
        const out = mungeOffer(CHROME_SENDONLY);
        expect(fmtp(out, 'audio', 111)).toBe('minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1');
        expect(out).toContain('a=fmtp:111 minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1\r\n');
    });

    it('keeps an existing stereo=1 (Firefox) and adds only sprop-stereo', () => {
        const out = mungeOffer(FIREFOX_RECVONLY_OFFER);
        expect(fmtp(out, 'audio', 109)).toBe('maxplaybackrate=48000;stereo=1;useinbandfec=1;sprop-stereo=1');
    });

    it('turns stereo=0 into stereo=1', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:111 minptime=10;useinbandfec=1',
            'a=fmtp:111 stereo=0;sprop-stereo=0',
        );
        expect(fmtp(mungeOffer(sdp), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('creates the fmtp line when Opus has none', () => {
        const sdp = CHROME_SENDONLY.replace('a=fmtp:111 minptime=10;useinbandfec=1\r\n', '');
        expect(fmtp(sdp, 'audio', 111)).toBeUndefined();
        expect(fmtp(mungeOffer(sdp), 'audio', 111)).toBe('stereo=1;sprop-stereo=1');
    });

    it('round-trips: applying it twice changes nothing more', () => {
        for (const sdp of [CHROME_RECVONLY, FIREFOX_RECVONLY_OFFER, SAFARI_SENDONLY_OFFER]) {
            for (const codec of [undefined, 'VP9', 'H264'] as const) {
                const once = mungeOffer(sdp, codec);
                expect(mungeOffer(once, codec)).toBe(once);
            }
        }
    });

    it('changes nothing in audio but the Opus fmtp (Safari offer with msid/ssrc/extmap)', () => {
        const before = parse(SAFARI_SENDONLY_OFFER);
        const after = parse(mungeOffer(SAFARI_SENDONLY_OFFER));
        const audio = after.media[0]!;
        expect(audio.fmtp.find((f) => f.payload === 111)?.config).toBe(
            'minptime=10;useinbandfec=1;stereo=1;sprop-stereo=1',
        );
        audio.fmtp.find((f) => f.payload === 111)!.config = 'minptime=10;useinbandfec=1';
        expect(audio).toEqual(before.media[0]);
        expect({ ...after, media: [] }).toEqual({ ...before, media: [] });
        // RED's fmtp (63 111/111) is not Opus: untouched.
        expect(fmtp(mungeOffer(SAFARI_SENDONLY_OFFER), 'audio', 63)).toBe('111/111');
    });

    it('keeps every other audio line of the Firefox offer (extmap directions, ssrc)', () => {
        const out = mungeOffer(FIREFOX_RECVONLY_OFFER);
        const audio = parse(out).media[0]!;
        audio.fmtp.find((f) => f.payload === 109)!.config = 'maxplaybackrate=48000;stereo=1;useinbandfec=1';
        expect(audio).toEqual(parse(FIREFOX_RECVONLY_OFFER).media[0]);
        expect(out).toContain('a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level');
    });

    it('leaves a video m-line with nothing to edit alone', () => {
        expect(media(mungeOffer(CHROME_SENDONLY_MODE1), 'video')).toEqual(media(CHROME_SENDONLY_MODE1, 'video'));
    });
});

describe('mungeOffer: H264 packetization mode 1', () => {
    it('removes Chrome H264 mode 0 (102) and its RTX (103)', () => {
        const out = mungeOffer(CHROME_SENDONLY);
        expect(payloads(out, 'video')).toEqual([96, 97, 98, 99, 100, 101]);
        expect(out).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):10[23] /);
        expect(out).toContain('a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
        expectConsistentPayloads(out);
    });

    it('removes Firefox H264 without packetization-mode (97, implicit mode 0), its RTX 98 and rtcp-fb', () => {
        const out = mungeOffer(FIREFOX_RECVONLY_OFFER);
        expect(payloads(out, 'video')).toEqual([120, 124, 121, 125, 126, 127, 123, 122, 119]);
        expect(out).not.toMatch(/a=(rtpmap|fmtp|rtcp-fb):9[78] /);
        expectConsistentPayloads(out);
    });

    it('removes both Safari mode-0 profiles (100, 127) and their RTX (101, 125)', () => {
        const out = mungeOffer(SAFARI_SENDONLY_OFFER);
        expect(payloads(out, 'video')).toEqual([96, 97, 98, 99, 104, 105, 106, 107, 108, 109, 114]);
        expect(out).not.toContain('packetization-mode=0');
        expectConsistentPayloads(out);
        // The rest of the SDP (ssrc, msid, extmap) survives.
        expect(media(out, 'video').ssrcs).toEqual(media(SAFARI_SENDONLY_OFFER, 'video').ssrcs);
        expect(media(out, 'video').ext).toEqual(media(SAFARI_SENDONLY_OFFER, 'video').ext);
        // Audio only gains stereo.
        const audio = media(out, 'audio');
        expect(audio.rtp).toEqual(media(SAFARI_SENDONLY_OFFER, 'audio').rtp);
        expect(audio.payloads).toEqual(media(SAFARI_SENDONLY_OFFER, 'audio').payloads);
    });

    it('keeps H264 when no payload declares mode 1 (better mode 0 than no H264)', () => {
        const sdp = CHROME_SENDONLY.replace(
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=1;',
            'a=fmtp:100 level-asymmetry-allowed=1;packetization-mode=0;',
        );
        expect(payloads(mungeOffer(sdp), 'video')).toEqual(payloads(sdp, 'video'));
    });
});

describe('mungeOffer: preferred video codec', () => {
    it('moves H264 and its RTX to the front of the Chrome video m-line', () => {
        const out = mungeOffer(CHROME_SENDONLY, 'H264');
        expect(payloads(out, 'video')).toEqual([100, 101, 96, 97, 98, 99]);
        expect(out).toMatch(/m=video 9 UDP\/TLS\/RTP\/SAVPF 100 101 96 97 98 99\r\n/);
        expectConsistentPayloads(out);
    });

    it('moves every H264 payload (both kept) with its RTX, keeping their order', () => {
        expect(payloads(mungeOffer(CHROME_SENDONLY_MODE1, 'H264'), 'video')).toEqual([
            100, 101, 102, 103, 96, 97, 98, 99,
        ]);
    });

    it('moves VP9 first on Firefox', () => {
        expect(payloads(mungeOffer(FIREFOX_RECVONLY_OFFER, 'VP9'), 'video')).toEqual([
            121, 125, 120, 124, 126, 127, 123, 122, 119,
        ]);
    });

    it('moves VP8 first on Safari (H264 first by default)', () => {
        expect(payloads(mungeOffer(SAFARI_SENDONLY_OFFER, 'VP8'), 'video').slice(0, 3)).toEqual([104, 105, 96]);
    });

    it('leaves the payload order unchanged when the codec is absent', () => {
        const out = mungeOffer(CHROME_SENDONLY_MODE1, 'AV1');
        expect(payloads(out, 'video')).toEqual(payloads(CHROME_SENDONLY_MODE1, 'video'));
        expect(out).toBe(mungeOffer(CHROME_SENDONLY_MODE1));
    });

    it('does not touch audio', () => {
        expect(media(mungeOffer(SAFARI_SENDONLY_OFFER, 'VP9'), 'audio')).toEqual(
            media(mungeOffer(SAFARI_SENDONLY_OFFER), 'audio'),
        );
    });
});

describe('readAnswer', () => {
    it('reads a server answer to a play offer', () => {
        expect(readAnswer(serverAnswer(CHROME_RECVONLY))).toEqual([['OPUS', 'VP8'], 2]);
    });

    it('a rejected audio m-line (port 0) is neither a codec nor an incoming track', () => {
        expect(readAnswer(serverAnswer(CHROME_RECVONLY, { rejectAudio: true }))).toEqual([['VP8'], 1]);
    });

    it('a rejected m-line that still says sendonly is not counted', () => {
        const answer = serverAnswer(CHROME_RECVONLY, { rejectAudio: true }).replace('a=inactive', 'a=sendonly');
        expect(readAnswer(answer)).toEqual([['VP8'], 1]);
    });

    it('reads the first payload as the chosen codec (H264 with RTX)', () => {
        expect(readAnswer(MIST_PLAY_ANSWER_H264)).toEqual([['OPUS', 'H264'], 2]);
    });

    it('an inactive m-line negotiates no codec', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('a=sendonly\r\na=mid:1', 'a=inactive\r\na=mid:1');
        expect(readAnswer(answer)).toEqual([['OPUS'], 1]);
    });

    it('an answer to a publish offer has no incoming media', () => {
        expect(readAnswer(serverAnswer(CHROME_SENDONLY))).toEqual([['OPUS', 'VP8'], 0]);
    });

    it('an m-line without a direction attribute is sendrecv', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('a=sendonly\r\na=mid:1', 'a=mid:1');
        expect(readAnswer(answer)).toEqual([['OPUS', 'H264'], 2]);
    });

    it('reads browser offers too', () => {
        expect(readAnswer(FIREFOX_RECVONLY_OFFER)).toEqual([['OPUS', 'VP8'], 0]);
        expect(readAnswer(SAFARI_SENDONLY_OFFER)).toEqual([['OPUS', 'H264'], 2]);
    });
});

describe('munged SDP stays valid (round trip through sdp-transform)', () => {
    const munges: [string, (sdp: string) => string][] = [
        ['no codec', (sdp) => mungeOffer(sdp)],
        ['H264', (sdp) => mungeOffer(sdp, 'H264')],
        ['VP9', (sdp) => mungeOffer(sdp, 'VP9')],
        ['VP8', (sdp) => mungeOffer(sdp, 'VP8')],
    ];
    const fixtures: [string, string][] = [
        ['chrome recvonly', CHROME_RECVONLY],
        ['chrome sendonly', CHROME_SENDONLY],
        ['firefox', FIREFOX_RECVONLY_OFFER],
        ['safari', SAFARI_SENDONLY_OFFER],
    ];
    for (const [name, munge] of munges) {
        it.each(fixtures)(
            `mungeOffer ${name}: %s parses, re-serialises identically and keeps its m-lines`,
            (_n, sdp) => {
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
            },
        );
    }
});

describe('readAnswer: plausibility', () => {
    it('accepts real answers and offers', () => {
        expect(readAnswer(MIST_PLAY_ANSWER_H264)).toBeDefined();
        expect(readAnswer(serverAnswer(CHROME_RECVONLY))).toBeDefined();
        expect(readAnswer(FIREFOX_RECVONLY_OFFER)).toBeDefined();
        expect(readAnswer(MIST_PLAY_ANSWER_H264.replace(/\r\n/g, '\n'))).toEqual([['OPUS', 'H264'], 2]);
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
        expect(readAnswer(sdp)).toBeUndefined();
    });
});
