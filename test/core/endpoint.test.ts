import { describe, expect, it } from 'vitest';
import { buildHttpUrl, buildWebSocketUrl, transportOf } from '../../src/core/endpoint';
import { RtcError } from '../../src/core/RtcError';
import type { ConnectParams } from '../../src/core/types';

function invalid(fn: () => unknown): RtcError {
    try {
        fn();
    } catch (error) {
        expect(error).toBeInstanceOf(RtcError);
        expect((error as RtcError).code).toBe('INVALID_ARGUMENT');
        expect((error as RtcError).retryable).toBe(false);
        return error as RtcError;
    }
    throw new Error('expected INVALID_ARGUMENT');
}

describe('transportOf', () => {
    it.each([
        ['http://host/whep/a', 'http'],
        ['https://host', 'http'],
        ['HTTPS://HOST', 'http'],
        ['  https://host  ', 'http'],
        ['ws://host', 'ws'],
        ['wss://host/webrtc/a', 'ws'],
        ['host', 'ws'],
        ['host:8080', 'ws'],
        ['httpbin.org', 'ws'],
        ['127.0.0.1:4433', 'ws'],
    ] as const)('%s → %s', (endPoint, transport) => {
        expect(transportOf(endPoint)).toBe(transport);
    });
});

describe('buildWebSocketUrl', () => {
    it('a bare host becomes wss://host/webrtc/<name>', () => {
        expect(buildWebSocketUrl({ endPoint: 'media.example.com', streamName: 'live' })).toEqual({
            url: 'wss://media.example.com/webrtc/live',
            streamName: 'live',
        });
    });

    it('keeps the port of a bare host', () => {
        expect(buildWebSocketUrl({ endPoint: 'media.example.com:4433', streamName: 'live' }).url).toBe(
            'wss://media.example.com:4433/webrtc/live',
        );
    });

    it.each([
        ['localhost', 'ws://localhost/webrtc/s'],
        ['localhost:8080', 'ws://localhost:8080/webrtc/s'],
        ['LOCALHOST:8080', 'ws://localhost:8080/webrtc/s'],
        ['127.0.0.1', 'ws://127.0.0.1/webrtc/s'],
        ['127.0.0.1:4433', 'ws://127.0.0.1:4433/webrtc/s'],
        ['[::1]', 'ws://[::1]/webrtc/s'],
        ['[::1]:4433', 'ws://[::1]:4433/webrtc/s'],
        ['localhost.example.com', 'wss://localhost.example.com/webrtc/s'],
        ['127.0.0.2', 'wss://127.0.0.2/webrtc/s'],
        ['[2001:db8::1]:4433', 'wss://[2001:db8::1]:4433/webrtc/s'],
    ])('local hosts use ws://: %s → %s', (endPoint, url) => {
        expect(buildWebSocketUrl({ endPoint, streamName: 's' }).url).toBe(url);
    });

    it('keeps a full ws(s) URL that names the stream', () => {
        expect(buildWebSocketUrl({ endPoint: 'wss://host/webrtc/in+abc' })).toEqual({
            url: 'wss://host/webrtc/in+abc',
            streamName: 'in+abc',
        });
        expect(buildWebSocketUrl({ endPoint: 'ws://host:8080/webrtc/live' })).toEqual({
            url: 'ws://host:8080/webrtc/live',
            streamName: 'live',
        });
    });

    it('a full URL is used as given even with a streamName, which then names the session', () => {
        expect(buildWebSocketUrl({ endPoint: 'wss://host/webrtc/fromurl', streamName: 'other' })).toEqual({
            url: 'wss://host/webrtc/fromurl',
            streamName: 'other',
        });
    });

    it('decodes an encoded stream name of the URL', () => {
        expect(buildWebSocketUrl({ endPoint: 'wss://host/webrtc/a%20b' })).toEqual({
            url: 'wss://host/webrtc/a%20b',
            streamName: 'a b',
        });
    });

    it('a full URL without a path names a server: it gets /webrtc/<name>', () => {
        expect(buildWebSocketUrl({ endPoint: 'wss://host', streamName: 'live' }).url).toBe('wss://host/webrtc/live');
        expect(buildWebSocketUrl({ endPoint: 'wss://host/', streamName: 'live' }).url).toBe('wss://host/webrtc/live');
        expect(buildWebSocketUrl({ endPoint: 'wss://host:8443?x=1', streamName: 'live' }).url).toBe(
            'wss://host:8443/webrtc/live?x=1',
        );
    });

    it('a full URL with a path is an endpoint: used exactly as given, its last segment naming the stream', () => {
        expect(buildWebSocketUrl({ endPoint: 'wss://host/prefix/', streamName: 'live' }).url).toBe(
            'wss://host/prefix/',
        );
        expect(buildWebSocketUrl({ endPoint: 'wss://host/webrtc', streamName: 'live' }).url).toBe('wss://host/webrtc');
        expect(buildWebSocketUrl({ endPoint: 'wss://edge.example.com/ws/signal/cam1?session=9' })).toEqual({
            url: 'wss://edge.example.com/ws/signal/cam1?session=9',
            streamName: 'cam1',
        });
    });

    it('maps http(s) URLs to ws(s)', () => {
        expect(buildWebSocketUrl({ endPoint: 'https://host', streamName: 'a' }).url).toBe('wss://host/webrtc/a');
        expect(buildWebSocketUrl({ endPoint: 'http://host:8080', streamName: 'a' }).url).toBe(
            'ws://host:8080/webrtc/a',
        );
    });

    it.each([
        ['in+abc', 'in%2Babc'],
        ['a b/c', 'a%20b%2Fc'],
        ['é?#&', '%C3%A9%3F%23%26'],
    ])('URL-encodes the stream name %j as one path segment', (name, encoded) => {
        const { url, streamName } = buildWebSocketUrl({ endPoint: 'host', streamName: name });
        expect(url).toBe(`wss://host/webrtc/${encoded}`);
        expect(streamName).toBe(name);
        // The URL round-trips: its path names the same stream.
        expect(buildWebSocketUrl({ endPoint: url }).streamName).toBe(name);
    });

    it('adds query parameters from an object or URLSearchParams, keeping the URL query', () => {
        expect(
            buildWebSocketUrl({ endPoint: 'host', streamName: 's', query: { video: '1', waittrackcount: '1' } }).url,
        ).toBe('wss://host/webrtc/s?video=1&waittrackcount=1');
        expect(
            buildWebSocketUrl({
                endPoint: 'wss://host/webrtc/s?audio=0&video=2',
                query: new URLSearchParams([['video', '1']]),
            }).url,
        ).toBe('wss://host/webrtc/s?audio=0&video=1');
        expect(buildWebSocketUrl({ endPoint: 'host', streamName: 's', query: { 'a b': 'c&d' } }).url).toBe(
            'wss://host/webrtc/s?a+b=c%26d',
        );
    });

    it('passes the access token as the tkn query parameter (MistServer), or the one named by tokenParam', () => {
        const params = { endPoint: 'host', streamName: 's', accessToken: 't/k=n', query: { x: '1' } };
        const url = new URL(buildWebSocketUrl(params).url);
        expect(url.searchParams.get('tkn')).toBe('t/k=n');
        expect(url.searchParams.get('x')).toBe('1');
        expect(url.searchParams.has('accessToken')).toBe(false);
        const ceeblue = new URL(buildWebSocketUrl(params, 'id').url);
        expect(ceeblue.searchParams.get('id')).toBe('t/k=n');
        expect(ceeblue.searchParams.has('tkn')).toBe(false);
    });

    it('requires a stream name for a server (a bare host, or a URL without a path)', () => {
        invalid(() => buildWebSocketUrl({ endPoint: 'host' }));
        invalid(() => buildWebSocketUrl({ endPoint: 'wss://host/' }));
        invalid(() => buildWebSocketUrl({ endPoint: 'host', streamName: '' }));
    });

    it.each(['', '   ', 'ftp://host', 'wss://', 'wss://ho st', 'http://[bad', ':8080'])(
        'rejects the bad endPoint %j',
        (endPoint) => {
            invalid(() => buildWebSocketUrl({ endPoint, streamName: 's' }));
        },
    );

    it('rejects an endpoint path that cannot name the stream (malformed escape) when no streamName is given', () => {
        invalid(() => buildWebSocketUrl({ endPoint: 'wss://host/webrtc/%E0%A4%A' }));
        expect(buildWebSocketUrl({ endPoint: 'wss://host/webrtc/%E0%A4%A', streamName: 's' }).streamName).toBe('s');
    });

    it('rejects missing params and an endPoint or stream name that is no string', () => {
        invalid(() => buildWebSocketUrl(undefined as unknown as ConnectParams));
        invalid(() => buildWebSocketUrl({ endPoint: 5 } as unknown as ConnectParams));
        invalid(() => buildHttpUrl({ endPoint: null, streamName: 's' } as unknown as ConnectParams, true));
        invalid(() => buildWebSocketUrl({ endPoint: 'host', streamName: 5 } as unknown as ConnectParams));
        invalid(() => buildHttpUrl({ endPoint: 'https://host', streamName: {} } as unknown as ConnectParams, false));
        // A lone surrogate cannot be URL-encoded.
        invalid(() => buildWebSocketUrl({ endPoint: 'host', streamName: '\uD800' }));
    });
});

describe('buildHttpUrl', () => {
    it('a bare host becomes https://host/whep/<name> to play, /whip/<name> to publish', () => {
        expect(buildHttpUrl({ endPoint: 'media.example.com', streamName: 'live' }, false)).toEqual({
            url: 'https://media.example.com/whep/live',
            streamName: 'live',
        });
        expect(buildHttpUrl({ endPoint: 'media.example.com:8443', streamName: 'live' }, true).url).toBe(
            'https://media.example.com:8443/whip/live',
        );
    });

    it('local bare hosts use http://', () => {
        expect(buildHttpUrl({ endPoint: 'localhost:8080', streamName: 'a' }, false).url).toBe(
            'http://localhost:8080/whep/a',
        );
        expect(buildHttpUrl({ endPoint: '127.0.0.1', streamName: 'a' }, true).url).toBe('http://127.0.0.1/whip/a');
        expect(buildHttpUrl({ endPoint: '[::1]:8080', streamName: 'a' }, true).url).toBe('http://[::1]:8080/whip/a');
    });

    it('http(s) URLs without a path get /whip|whep/<name>', () => {
        expect(buildHttpUrl({ endPoint: 'https://host', streamName: 'a b' }, false).url).toBe(
            'https://host/whep/a%20b',
        );
        expect(buildHttpUrl({ endPoint: 'http://host:8080/', streamName: 'in+abc' }, true).url).toBe(
            'http://host:8080/whip/in%2Babc',
        );
    });

    it('any endpoint URL a server gives is POSTed to unchanged, with or without a streamName', () => {
        const janus = 'http://host:7080/whip/endpoint/cam1';
        expect(buildHttpUrl({ endPoint: janus }, true)).toEqual({ url: janus, streamName: 'cam1' });
        expect(buildHttpUrl({ endPoint: janus, streamName: 'cam1' }, true).url).toBe(janus);
        const live = 'https://x.example/live/abc/whep?x=1';
        expect(buildHttpUrl({ endPoint: live, streamName: 'abc' }, false)).toEqual({ url: live, streamName: 'abc' });
        expect(buildHttpUrl({ endPoint: live, query: { y: '2' } }, false).url).toBe(
            'https://x.example/live/abc/whep?x=1&y=2',
        );
        expect(buildHttpUrl({ endPoint: 'https://host/whep', streamName: 'a' }, false).url).toBe('https://host/whep');
    });

    it('keeps a URL that names the stream (/whip, /whep or /webrtc)', () => {
        expect(buildHttpUrl({ endPoint: 'https://host/whep/in+abc' }, false)).toEqual({
            url: 'https://host/whep/in+abc',
            streamName: 'in+abc',
        });
        expect(buildHttpUrl({ endPoint: 'https://host/whip/cam' }, true).url).toBe('https://host/whip/cam');
        // MistServer also accepts POST on /webrtc/<stream>.
        expect(buildHttpUrl({ endPoint: 'https://host/webrtc/cam' }, true)).toEqual({
            url: 'https://host/webrtc/cam',
            streamName: 'cam',
        });
    });

    it('maps ws(s) URLs to http(s)', () => {
        expect(buildHttpUrl({ endPoint: 'wss://host', streamName: 'a' }, false).url).toBe('https://host/whep/a');
        expect(buildHttpUrl({ endPoint: 'ws://host', streamName: 'a' }, true).url).toBe('http://host/whip/a');
    });

    it('adds the query, but never the access token', () => {
        const { url } = buildHttpUrl(
            { endPoint: 'https://host', streamName: 's', accessToken: 'secret', query: new URLSearchParams('video=1') },
            false,
        );
        expect(url).toBe('https://host/whep/s?video=1');
        expect(url).not.toContain('secret');
    });

    it('requires a stream name for a server URL', () => {
        invalid(() => buildHttpUrl({ endPoint: 'https://host' }, false));
        invalid(() => buildHttpUrl({ endPoint: 'media.example.com' }, true));
    });

    it.each(['', 'ftp://host', 'https://', 'http://[bad'])('rejects the bad endPoint %j', (endPoint) => {
        invalid(() => buildHttpUrl({ endPoint, streamName: 's' }, false));
    });
});
