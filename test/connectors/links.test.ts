import { describe, expect, it } from 'vitest';
import { parseIceServerLinks } from '../../src/connectors/links';

describe('parseIceServerLinks', () => {
    it('returns [] for no header', () => {
        expect(parseIceServerLinks(null)).toEqual([]);
        expect(parseIceServerLinks(undefined)).toEqual([]);
        expect(parseIceServerLinks('')).toEqual([]);
    });

    it('parses a TURN link with password credentials', () => {
        expect(
            parseIceServerLinks(
                '<turn:host:3478?transport=udp>; rel="ice-server"; username="u"; credential="c"; credential-type="password"',
            ),
        ).toEqual([{ urls: 'turn:host:3478?transport=udp', username: 'u', credential: 'c' }]);
    });

    it('parses several comma-separated links (Headers.get joins several Link headers so)', () => {
        const header = [
            '<stun:stun.example.net>; rel="ice-server"',
            '<turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="user"; credential="pass"',
            '<turn:turn.example.net:3478?transport=tcp>; rel="ice-server"; username="user"; credential="pass"',
            '<turns:turn.example.net:443?transport=tcp>; rel="ice-server"; username="user"; credential="pass"',
        ].join(', ');
        expect(parseIceServerLinks(header)).toEqual([
            { urls: 'stun:stun.example.net' },
            { urls: 'turn:turn.example.net:3478?transport=udp', username: 'user', credential: 'pass' },
            { urls: 'turn:turn.example.net:3478?transport=tcp', username: 'user', credential: 'pass' },
            { urls: 'turns:turn.example.net:443?transport=tcp', username: 'user', credential: 'pass' },
        ]);
    });

    it('reads several Link headers joined by Headers.get()', () => {
        const headers = new Headers();
        headers.append('Link', '<stun:a>; rel="ice-server"');
        headers.append('Link', '<turn:b?transport=tcp>; rel="ice-server"; username="u"; credential="c"');
        expect(parseIceServerLinks(headers.get('link'))).toEqual([
            { urls: 'stun:a' },
            { urls: 'turn:b?transport=tcp', username: 'u', credential: 'c' },
        ]);
    });

    it('keeps commas, semicolons and escaped quotes inside quoted values', () => {
        expect(
            parseIceServerLinks(
                '<turn:h:3478>; rel="ice-server"; username="1700000000:a,b;c"; credential="p\\"w=d", <stun:s>; rel=ice-server',
            ),
        ).toEqual([{ urls: 'turn:h:3478', username: '1700000000:a,b;c', credential: 'p"w=d' }, { urls: 'stun:s' }]);
    });

    it('accepts unquoted tokens, any case of parameter names and extra whitespace', () => {
        expect(
            parseIceServerLinks(
                '  <turn:h:3478> ;REL=ice-server ;  Username=u ; CREDENTIAL = c ; credential-type=Password  ',
            ),
        ).toEqual([{ urls: 'turn:h:3478', username: 'u', credential: 'c' }]);
    });

    it('accepts rel lists that contain ice-server', () => {
        expect(parseIceServerLinks('<stun:s>; rel="preload ice-server"')).toEqual([{ urls: 'stun:s' }]);
    });

    it('ignores links that are not ICE servers', () => {
        expect(
            parseIceServerLinks(
                '<https://example.com/docs>; rel="help", <stun:s>; rel="other", <https://x/y>; rel="ice-server", <stun:ok>; rel="ice-server"',
            ),
        ).toEqual([{ urls: 'stun:ok' }]);
    });

    it('drops TURN links without password credentials (browsers reject them)', () => {
        expect(
            parseIceServerLinks(
                [
                    '<turn:a>; rel="ice-server"',
                    '<turn:b>; rel="ice-server"; username="u"',
                    '<turn:c>; rel="ice-server"; username="u"; credential="t"; credential-type="oauth"',
                    '<turn:d>; rel="ice-server"; username=""; credential=""',
                ].join(', '),
            ),
        ).toEqual([{ urls: 'turn:d', username: '', credential: '' }]);
    });

    it('keeps the first occurrence of a repeated parameter', () => {
        expect(parseIceServerLinks('<turn:a>; rel="ice-server"; username="u1"; username="u2"; credential="c"')).toEqual(
            [{ urls: 'turn:a', username: 'u1', credential: 'c' }],
        );
    });

    it('skips a link whose URI holds whitespace', () => {
        expect(
            parseIceServerLinks(
                '< turn:h:3478 >; rel="ice-server"; username=u; credential=c, <stun:ok>; rel=ice-server',
            ),
        ).toEqual([{ urls: 'stun:ok' }]);
    });

    it('skips malformed links without throwing', () => {
        expect(
            parseIceServerLinks('garbage, <stun:unterminated; rel="ice-server", ;;, <stun:ok>; rel="ice-server"'),
        ).toEqual([{ urls: 'stun:ok' }]);
        expect(() => parseIceServerLinks('<turn:x>; rel="ice-server; username="u')).not.toThrow();
    });

    it('an unterminated quoted value drops its link and everything after it', () => {
        expect(
            parseIceServerLinks(
                '<stun:a>; rel=ice-server, <stun:b>; rel="ice-server"; username="open, <stun:c>; rel=ice-server',
            ),
        ).toEqual([{ urls: 'stun:a' }]);
    });

    it('drops a link with anything but parameters after its URI', () => {
        expect(parseIceServerLinks('<stun:a> junk; rel=ice-server, <stun:b>; rel=ice-server')).toEqual([
            { urls: 'stun:b' },
        ]);
    });
});
