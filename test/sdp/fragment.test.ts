import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { readIceFragment, restartedRemoteDescription, trickleFragment } from '../../src/sdp/fragment';
import { CHROMIUM_RECVONLY_OFFER, CHROMIUM_WHEP_ANSWER } from '../fixtures/chromium-sdp';

const CANDIDATE = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host generation 0 ufrag x network-id 1';

describe('trickleFragment', () => {
    const offer = parse(CHROMIUM_RECVONLY_OFFER);
    const ufrag = offer.media[0]!.iceUfrag ?? offer.iceUfrag;

    it('writes the credentials, then the first m-line, its mid and the candidates verbatim (RFC 8840)', () => {
        const fragment = trickleFragment(CHROMIUM_RECVONLY_OFFER, [{ candidate: CANDIDATE, sdpMid: '0' }], false);
        const lines = fragment.split('\r\n');
        expect(lines[0]).toBe(`a=ice-ufrag:${ufrag}`);
        expect(lines[1]).toMatch(/^a=ice-pwd:.{22,}$/);
        expect(lines[2]).toMatch(/^m=audio 9 UDP\/TLS\/RTP\/SAVPF [\d ]+$/);
        expect(lines.slice(3)).toEqual(['a=mid:0', `a=${CANDIDATE}`, '']);
        // No session lines: a fragment is not a description.
        expect(fragment).not.toMatch(/^[vos]=/m);
    });

    it('puts candidates under their own m-line, and the end of candidates under the first', () => {
        const fragment = trickleFragment(
            CHROMIUM_RECVONLY_OFFER,
            [
                { candidate: CANDIDATE, sdpMid: '1' },
                { candidate: CANDIDATE.replace('50000', '50001'), sdpMid: null },
            ],
            true,
        );
        const parsed = parse(fragment);
        expect(parsed.media.map((m) => [String(m.mid), m.candidates?.map((c) => c.port), m.endOfCandidates])).toEqual([
            ['0', [50001], 'end-of-candidates'],
            ['1', [50000], undefined],
        ]);
    });

    it('an ICE restart fragment carries the credentials and the first m-line only', () => {
        const fragment = trickleFragment(CHROMIUM_RECVONLY_OFFER, [], false);
        expect(parse(fragment).media).toHaveLength(1);
        expect(fragment).not.toContain('a=candidate');
    });
});

describe('readIceFragment and restartedRemoteDescription', () => {
    const FRAGMENT =
        'a=ice-ufrag:newU\r\na=ice-pwd:newpasswordnewpassword\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n' +
        'a=candidate:9 1 udp 2130706431 127.0.0.1 40000 typ host\r\n';

    it('reads the server credentials and candidates', () => {
        const ice = readIceFragment(FRAGMENT);
        expect(ice.ufrag).toBe('newU');
        expect(ice.pwd).toBe('newpasswordnewpassword');
        expect(ice.candidates.map((c) => [c.ip, c.port, c.type])).toEqual([['127.0.0.1', 40000, 'host']]);
    });

    it('replaces the credentials and candidates of every m-line, keeping the rest of the answer', () => {
        const before = parse(CHROMIUM_WHEP_ANSWER);
        const after = parse(restartedRemoteDescription(CHROMIUM_WHEP_ANSWER, readIceFragment(FRAGMENT)));
        expect(after.media).toHaveLength(before.media.length);
        for (const [i, media] of after.media.entries()) {
            expect(media.iceUfrag).toBe('newU');
            expect(media.icePwd).toBe('newpasswordnewpassword');
            expect(media.candidates?.map((c) => c.port)).toEqual([40000]);
            expect(media.fingerprint).toEqual(before.media[i]!.fingerprint ?? before.fingerprint);
            expect(media.rtp).toEqual(before.media[i]!.rtp);
            expect(media.direction).toBe(before.media[i]!.direction);
        }
    });
});
