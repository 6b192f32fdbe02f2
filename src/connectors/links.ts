/**
 * Parsing of the WHIP/WHEP `Link` response header that lists ICE servers (RFC 8288 syntax,
 * `rel="ice-server"` as in RFC 9725 §4.6).
 */

/**
 * One link: everything up to a comma outside a quoted string. An unterminated quoted string runs
 * to the end of the header (the link is then malformed, and nothing after it is a link).
 */
const LINK = /(?:[^,"]|"(?:[^"\\]|\\[^]?)*(?:"|$))+/g;
/** `<uri>` then the parameters; a URI holding whitespace, `<` or `"` is malformed. */
const TARGET = /^\s*<([^\s<>"]+)>(.*)$/s;
/** Each `; key[=value]` with a quoted (RFC 8288 §3, with backslash escapes) or a token value. */
const PARAM = /\s*;\s*([^\s=;,"<>]*)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s=;,"<>]*)))?/g;

/**
 * Extracts the ICE servers of a WHIP/WHEP `Link` header value (`Headers.get('link')` joins
 * several Link headers with `, `, so one string may hold many links). Only links with
 * `rel="ice-server"` and a `stun:`, `stuns:`, `turn:` or `turns:` URI are kept; TURN links need
 * a username and a credential of `credential-type` `password` (the default), or they are dropped.
 * Malformed links are skipped (up to the next comma outside a quoted string, so one bad link
 * never hides the others); the function never throws.
 *
 * @example
 * ```ts
 * parseIceServerLinks(
 *     '<stun:stun.example.net>; rel="ice-server", ' +
 *         '<turn:turn.example.net:3478?transport=udp>; rel="ice-server"; username="u"; credential="c"; credential-type="password"',
 * );
 * // → [{ urls: 'stun:stun.example.net' },
 * //    { urls: 'turn:turn.example.net:3478?transport=udp', username: 'u', credential: 'c' }]
 * ```
 */
export function parseIceServerLinks(header: string | null | undefined): RTCIceServer[] {
    const servers: RTCIceServer[] = [];
    for (const [text] of (header ?? '').matchAll(LINK)) {
        const [, urls = '', tail = ''] = TARGET.exec(text) ?? [];
        // Only a few known names are read: a name like `constructor` is harmless.
        const params: Record<string, string | undefined> = {};
        // The parameters are cut out; anything left makes the link malformed.
        const rest = tail.replace(PARAM, (_, key: string, quoted?: string, token?: string) => {
            // The first occurrence of a parameter wins (RFC 8288 §3).
            params[key.toLowerCase()] ??= quoted?.replace(/\\(.)/g, '$1') ?? token ?? '';
            return '';
        });
        const { username, credential } = params;
        if (
            rest.trim() ||
            !/^(?:stun|turn)s?:/i.test(urls) ||
            // (No rel: `test` reads "undefined".)
            !/(?:^|\s)ice-server(?:\s|$)/i.test(params.rel!) ||
            // Browsers reject a TURN server without password credentials (InvalidAccessError).
            (/^t/i.test(urls) &&
                (username === undefined ||
                    credential === undefined ||
                    !/^password$/i.test(params['credential-type'] ?? 'password')))
        )
            continue;
        const server: RTCIceServer = { urls };
        if (username !== undefined) server.username = username;
        if (credential !== undefined) server.credential = credential;
        servers.push(server);
    }
    return servers;
}
