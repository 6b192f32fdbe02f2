import { describe, expect, it } from 'vitest';
import { httpError, readBody, retryAfterMs, sameOrigin } from '../../src/connectors/http';

describe('readBody', () => {
    it('reads a body under the limit whole, UTF-8 decoded across chunks', async () => {
        const bytes = new TextEncoder().encode('é'.repeat(1000));
        const stream = new ReadableStream({
            start(controller) {
                // Split inside a two-byte character.
                controller.enqueue(bytes.subarray(0, 999));
                controller.enqueue(bytes.subarray(999));
                controller.close();
            },
        });
        expect(await readBody(new Response(stream), 10_000)).toEqual({ text: 'é'.repeat(1000), truncated: false });
    });

    it('stops at the limit and cancels the rest', async () => {
        let cancelled = false;
        const stream = new ReadableStream({
            pull(controller) {
                controller.enqueue(new Uint8Array(1000).fill(97));
            },
            cancel() {
                cancelled = true;
            },
        });
        const body = await readBody(new Response(stream), 2500);
        expect(body.truncated).toBe(true);
        expect(body.text).toBe('a'.repeat(2500));
        expect(cancelled).toBe(true);
    });

    it('a response without a body reads as empty', async () => {
        expect(await readBody(new Response(null, { status: 204 }), 10)).toEqual({ text: '', truncated: false });
    });
});

describe('retryAfterMs', () => {
    it('reads seconds and HTTP dates', () => {
        expect(retryAfterMs('120')).toBe(120_000);
        expect(retryAfterMs(' 0 ')).toBe(0);
        const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
        expect(retryAfterMs('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
        expect(retryAfterMs('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    });

    it('gives undefined without a usable value', () => {
        for (const header of [null, '', 'soon', '-5', '1.5']) expect(retryAfterMs(header)).toBeUndefined();
    });
});

describe('sameOrigin', () => {
    it('compares scheme, host and port', () => {
        expect(sameOrigin('https://a.example/whip/x', 'https://a.example/resource/1')).toBe(true);
        expect(sameOrigin('https://a.example/x', 'http://a.example/x')).toBe(false);
        expect(sameOrigin('https://a.example/x', 'https://a.example:8443/x')).toBe(false);
        expect(sameOrigin('https://a.example/x', 'https://b.example/x')).toBe(false);
        expect(sameOrigin('not a url', 'https://a.example')).toBe(false);
    });
});

describe('httpError', () => {
    it('names the request, the URL and what to check', () => {
        const error = httpError('WHEP POST', 'https://h/whep/a', 404, 'Not Found');
        expect(error.code).toBe('STREAM_NOT_FOUND');
        expect(error.message).toBe(
            'WHEP POST https://h/whep/a failed with HTTP 404: Not Found (check the endpoint URL and that the stream exists)',
        );
    });

    it('keeps the body to 200 characters on one line', () => {
        const error = httpError('WHIP POST', 'u', 500, `line one\n\n${'x'.repeat(500)}`);
        expect(error.message).toContain('line one x');
        expect(error.message.length).toBeLessThan(300);
    });
});
