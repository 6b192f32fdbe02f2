// The server's options: defaults, environment variables, token configuration.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../demo/server/config.ts';

describe('server options', () => {
    it('defaults: loopback, port 8080, no tokens, no faults, idle sockets closed after 10 s', () => {
        const o = resolveOptions({}, {});
        expect(o).toMatchObject({
            host: '127.0.0.1',
            port: 8080,
            playWaitMs: 10_000,
            offerTimeoutMs: 10_000,
            faults: false,
            tokens: undefined,
        });
    });

    it('reads the environment, options first', () => {
        const env = { HOST: '::1', PORT: '0', RTCWIRE_PLAY_WAIT_MS: '500', RTCWIRE_FAULTS: '1' };
        expect(resolveOptions({}, env)).toMatchObject({ host: '::1', port: 0, playWaitMs: 500, faults: true });
        expect(resolveOptions({ port: 9000, faults: false }, env)).toMatchObject({ port: 9000, faults: false });
    });

    it('takes tokens from the option (rules or a file), else TOKENS, else TOKENS_FILE', () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'rtcwire-tokens-'));
        const file = path.join(dir, 'tokens.json');
        writeFileSync(file, JSON.stringify({ cam: { publish: 'from-file' } }));
        const env = { TOKENS: JSON.stringify({ cam: { publish: 'from-env' } }), TOKENS_FILE: file };
        expect(resolveOptions({ tokens: { cam: { play: 'opt' } } }, env).tokens).toEqual({ cam: { play: 'opt' } });
        expect(resolveOptions({ tokens: file }, {}).tokens).toEqual({ cam: { publish: 'from-file' } });
        expect(resolveOptions({}, env).tokens).toEqual({ cam: { publish: 'from-env' } });
        expect(resolveOptions({}, { TOKENS_FILE: file }).tokens).toEqual({ cam: { publish: 'from-file' } });
    });

    it('refuses to start with a token configuration it cannot read', () => {
        expect(() => resolveOptions({}, { TOKENS: '{cam' })).toThrow(/^TOKENS is not valid JSON/);
        expect(() => resolveOptions({}, { TOKENS_FILE: '/nonexistent/tokens.json' })).toThrow(
            /^cannot read the token file \/nonexistent\/tokens.json/,
        );
        expect(() => resolveOptions({}, { TOKENS: '{"cam": {"publish": ""}}' })).toThrow(
            'TOKENS: "cam".publish must be a token or a list of tokens (non-empty strings)',
        );
    });
});
