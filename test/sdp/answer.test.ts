import { describe, expect, it } from 'vitest';
import { readAnswer } from '../../src/sdp/answer';
import { serverAnswer } from '../fakes/FakePeerConnection';
import {
    CHROMIUM_INACTIVE_VIDEO_ANSWER,
    CHROMIUM_REJECTED_VIDEO_ANSWER,
    CHROMIUM_WHEP_ANSWER,
    CHROMIUM_WHIP_ANSWER,
} from '../fixtures/chromium-sdp';
import {
    FIREFOX_RECVONLY_OFFER,
    MIST_PLAY_ANSWER_H264,
    MIST_PLAY_ANSWER_VIDEO_ONLY,
    SAFARI_SENDONLY_OFFER,
} from '../fixtures/sdp';
import { ANSWERS, CHROME_RECVONLY, CHROME_SENDONLY, OFFERS } from './helpers';

/** The two figures the Connector uses. */
const summary = (sdp: string) => {
    const { codecs, incomingTracks } = readAnswer(sdp);
    return { codecs, incomingTracks };
};

describe('readAnswer: codecs and incoming tracks', () => {
    it('reads a server answer to a play offer', () => {
        expect(summary(serverAnswer(CHROME_RECVONLY))).toEqual({ codecs: ['OPUS', 'VP8'], incomingTracks: 2 });
    });

    it('reads the MistServer H264 answer: the first payload is the codec (H264, not its RTX)', () => {
        expect(readAnswer(MIST_PLAY_ANSWER_H264)).toEqual({
            codecs: ['OPUS', 'H264'],
            incomingTracks: 2,
            media: [
                { kind: 'audio', mid: '0', rejected: false, direction: 'sendonly', codec: 'OPUS' },
                { kind: 'video', mid: '1', rejected: false, direction: 'sendonly', codec: 'H264' },
            ],
        });
    });

    it('reads a WHEP answer (Chromium answering as a sender: a=sendonly) as two incoming tracks', () => {
        expect(readAnswer(CHROMIUM_WHEP_ANSWER)).toEqual({
            codecs: ['OPUS', 'VP8'],
            incomingTracks: 2,
            media: [
                { kind: 'audio', mid: '0', rejected: false, direction: 'sendonly', codec: 'OPUS' },
                { kind: 'video', mid: '1', rejected: false, direction: 'sendonly', codec: 'VP8' },
            ],
        });
    });

    it('an answer to a publish offer (a=recvonly) has no incoming media', () => {
        expect(summary(CHROMIUM_WHIP_ANSWER)).toEqual({ codecs: ['OPUS', 'VP8'], incomingTracks: 0 });
        expect(readAnswer(CHROMIUM_WHIP_ANSWER).media.map((m) => m.direction)).toEqual(['recvonly', 'recvonly']);
        expect(summary(serverAnswer(CHROME_SENDONLY))).toEqual({ codecs: ['OPUS', 'VP8'], incomingTracks: 0 });
    });

    it('a rejected video m-line (port 0) is neither a codec nor a track, though Chromium still says sendonly', () => {
        const { codecs, incomingTracks, media } = readAnswer(CHROMIUM_REJECTED_VIDEO_ANSWER);
        expect(media[1]).toEqual({ kind: 'video', mid: '1', rejected: true, direction: 'sendonly' });
        expect(codecs).toEqual(['OPUS']);
        expect(incomingTracks).toBe(1);
    });

    it('a bundle-only m-line (port 0 + a=bundle-only, RFC 8843 answerers) is accepted: its media flows', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('m=video 9 ', 'm=video 0 ').replace(
            'a=mid:1\r\n',
            'a=mid:1\r\na=bundle-only\r\n',
        );
        expect(answer).toMatch(/^a=bundle-only\r$/m);
        const { codecs, incomingTracks, media } = readAnswer(answer);
        expect(media[1]).toEqual({ kind: 'video', mid: '1', rejected: false, direction: 'sendonly', codec: 'H264' });
        expect(codecs).toEqual(['OPUS', 'H264']);
        expect(incomingTracks).toBe(2);
    });

    it('MistServer rejects the audio of a stream without audio: port 0, a=sendonly, no mid, no rtpmap', () => {
        expect(readAnswer(MIST_PLAY_ANSWER_VIDEO_ONLY)).toEqual({
            codecs: ['H264'],
            incomingTracks: 1,
            media: [
                { kind: 'audio', rejected: true, direction: 'sendonly' },
                { kind: 'video', mid: '1', rejected: false, direction: 'sendonly', codec: 'H264' },
            ],
        });
    });

    it('a rejected audio m-line (port 0, inactive) is neither a codec nor an incoming track', () => {
        expect(summary(serverAnswer(CHROME_RECVONLY, { rejectAudio: true }))).toEqual({
            codecs: ['VP8'],
            incomingTracks: 1,
        });
    });

    it('a rejected m-line that still says sendonly is not counted', () => {
        const answer = serverAnswer(CHROME_RECVONLY, { rejectAudio: true }).replace('a=inactive', 'a=sendonly');
        expect(summary(answer)).toEqual({ codecs: ['VP8'], incomingTracks: 1 });
    });

    it('an inactive m-line negotiates no codec and sends no track (Chromium, video transceiver stopped)', () => {
        const { codecs, incomingTracks, media } = readAnswer(CHROMIUM_INACTIVE_VIDEO_ANSWER);
        expect(media[1]).toMatchObject({ kind: 'video', rejected: false, direction: 'inactive', codec: 'VP8' });
        expect(codecs).toEqual(['OPUS']);
        expect(incomingTracks).toBe(1);
    });

    it('an inactive m-line in the MistServer answer', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('a=sendonly\r\na=mid:1', 'a=inactive\r\na=mid:1');
        expect(summary(answer)).toEqual({ codecs: ['OPUS'], incomingTracks: 1 });
    });

    it('an m-line without a direction attribute is sendrecv: the server sends', () => {
        const answer = MIST_PLAY_ANSWER_H264.replace('a=sendonly\r\na=mid:1', 'a=mid:1');
        expect(summary(answer)).toEqual({ codecs: ['OPUS', 'H264'], incomingTracks: 2 });
        expect(readAnswer(answer).media[1]!.direction).toBe('sendrecv');
    });

    it('a session-level direction applies to the m-lines that have none (RFC 8866 §6.7)', () => {
        const withoutMediaDirections = MIST_PLAY_ANSWER_H264.replace(/a=sendonly\r\n/g, '');
        const recvonly = withoutMediaDirections.replace('a=ice-lite\r\n', 'a=ice-lite\r\na=recvonly\r\n');
        expect(summary(recvonly)).toEqual({ codecs: ['OPUS', 'H264'], incomingTracks: 0 });
        const inactive = withoutMediaDirections.replace('a=ice-lite\r\n', 'a=ice-lite\r\na=inactive\r\n');
        expect(summary(inactive)).toEqual({ codecs: [], incomingTracks: 0 });
        // The m-line's own attribute wins.
        const mixed = recvonly.replace('a=mid:1', 'a=sendonly\r\na=mid:1');
        expect(readAnswer(mixed).media.map((m) => m.direction)).toEqual(['recvonly', 'sendonly']);
        expect(summary(mixed).incomingTracks).toBe(1);
    });

    it('a data channel m-line is no track', () => {
        const answer = `${MIST_PLAY_ANSWER_H264}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=sendonly\r\na=mid:2\r\na=sctp-port:5000\r\n`;
        const { incomingTracks, media } = readAnswer(answer);
        expect(media[2]).toEqual({ kind: 'application', mid: '2', rejected: false, direction: 'sendonly' });
        expect(incomingTracks).toBe(2);
    });

    it('reads browser offers too (from their author: Firefox receives, Safari sends)', () => {
        expect(summary(FIREFOX_RECVONLY_OFFER)).toEqual({ codecs: ['OPUS', 'VP8'], incomingTracks: 0 });
        expect(summary(SAFARI_SENDONLY_OFFER)).toEqual({ codecs: ['OPUS', 'H264'], incomingTracks: 2 });
    });

    it.each([...OFFERS, ...ANSWERS])('reads every m-line of %s with a string mid', (_name, sdp) => {
        const { media } = readAnswer(sdp);
        expect(media.length).toBeGreaterThan(0);
        for (const m of media) if (m.mid !== undefined) expect(typeof m.mid).toBe('string');
    });
});

describe('readAnswer: plausibility', () => {
    it('accepts LF line ends', () => {
        expect(summary(MIST_PLAY_ANSWER_H264.replace(/\r\n/g, '\n'))).toEqual({
            codecs: ['OPUS', 'H264'],
            incomingTracks: 2,
        });
    });

    it.each([
        ['empty', '', /first line is not "v=0" \(empty text\)/],
        ['html', '<html><body>502 Bad Gateway</body></html>', /first line is not "v=0" \(starts with "<html><body>502/],
        ['json', '{"type":"answer","sdp":"v=0"}', /first line is not "v=0"/],
        ['version only', 'v=0', /first line is not "v=0"/],
        ['leading garbage', `x${MIST_PLAY_ANSWER_H264}`, /first line is not "v=0"/],
        ['wrong version', MIST_PLAY_ANSWER_H264.replace('v=0', 'v=1'), /first line is not "v=0"/],
        ['no m-line', 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no m= line/],
    ])('throws an Error on %s', (_name, sdp, message) => {
        expect(() => readAnswer(sdp)).toThrow(Error);
        expect(() => readAnswer(sdp)).toThrow(message);
    });

    it('quotes only the start of a long text', () => {
        const page = `<html>${'x'.repeat(10_000)}</html>`;
        expect(() => readAnswer(page)).toThrow(/starts with "<html>x{34}"…\)$/);
    });
});
