/**
 * Parsing of the WHIP/WHEP `Link` response header that lists ICE servers (RFC 8288 syntax,
 * `rel="ice-server"` as in RFC 9725 §4.6).
 */

/** One `<uri>; key=value; …` link of a Link header. */
interface ParsedLink {
    uri: string;
    params: Map<string, string>;
}

const ICE_SCHEMES = /^(?:stuns?|turns?):/i;
/** A quoted string (RFC 8288 §3, with backslash escapes). */
const QUOTED = '"(?:[^"\\\\]|\\\\.)*"';
/**
 * One link: everything up to a comma outside a quoted string. An unterminated quoted string runs
 * to the end of the header (the link is then malformed, and nothing after it is a link).
 */
const LINK = /(?:[^,"]|"(?:[^"\\]|\\[^]?)*(?:"|$))+/g;
/** `<uri>` then the parameters; a URI holding whitespace, `<` or `"` is malformed. */
const TARGET = /^\s*<([^\s<>"]+)>(.*)$/s;
/** `; key[=value]` with a quoted or a token value. */
const PARAM = new RegExp(`\\s*;\\s*([^\\s=;,"<>]*)\\s*(?:=\\s*(?:(${QUOTED})|([^\\s=;,"<>]*)))?`, 'y');

/**
 * Parses a Link header value into its links (RFC 8288 §3). A malformed link is skipped up to the
 * next comma outside a quoted string, so one bad link never hides the others.
 */
function parseLinkHeader(header: string): ParsedLink[] {
    const links: ParsedLink[] = [];
    for (const [text] of header.matchAll(LINK)) {
        const [, uri = '', rest = ''] = TARGET.exec(text) ?? [];
        const params = new Map<string, string>();
        let at = 0;
        for (;;) {
            PARAM.lastIndex = at;
            const match = PARAM.exec(rest);
            if (!match) break;
            at = PARAM.lastIndex;
            const key = match[1]!.toLowerCase();
            const value = match[2]?.slice(1, -1).replace(/\\(.)/g, '$1') ?? match[3] ?? '';
            // The first occurrence of a parameter wins (RFC 8288 §3).
            if (key && !params.has(key)) params.set(key, value);
        }
        // Anything left after the parameters makes the link malformed.
        if (uri && !rest.slice(at).trim()) links.push({ uri, params });
    }
    return links;
}

/**
 * Extracts the ICE servers of a WHIP/WHEP `Link` header value (`Headers.get('link')` joins
 * several Link headers with `, `, so one string may hold many links). Only links with
 * `rel="ice-server"` and a `stun:`, `stuns:`, `turn:` or `turns:` URI are kept; TURN links need
 * a username and a credential of `credential-type` `password` (the default), or they are dropped.
 * Malformed links are skipped; the function never throws.
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
    if (!header) return [];
    const servers: RTCIceServer[] = [];
    for (const link of parseLinkHeader(header)) {
        if (!ICE_SCHEMES.test(link.uri)) continue;
        const rels = (link.params.get('rel') ?? '').toLowerCase().split(/\s+/);
        if (!rels.includes('ice-server')) continue;
        const username = link.params.get('username');
        const credential = link.params.get('credential');
        const credentialType = (link.params.get('credential-type') ?? 'password').toLowerCase();
        const server: RTCIceServer = { urls: link.uri };
        if (/^turns?:/i.test(link.uri)) {
            // Browsers reject a TURN server without password credentials (InvalidAccessError).
            if (username === undefined || credential === undefined || credentialType !== 'password') continue;
            server.username = username;
            server.credential = credential;
        } else {
            if (username !== undefined) server.username = username;
            if (credential !== undefined) server.credential = credential;
        }
        servers.push(server);
    }
    return servers;
}
