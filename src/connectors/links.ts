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
const WS = /[ \t]/;
const TOKEN = /[^\s=;,"<>]/;

/**
 * Parses a Link header value into its links (RFC 8288 §3). A malformed link is skipped up to the
 * next comma outside a quoted string, so one bad link never hides the others.
 */
function parseLinkHeader(header: string): ParsedLink[] {
    const links: ParsedLink[] = [];
    const n = header.length;
    let i = 0;
    const skipWs = () => {
        while (i < n && WS.test(header.charAt(i))) i++;
    };
    const skipToNextLink = () => {
        let quoted = false;
        while (i < n) {
            const c = header.charAt(i++);
            if (quoted) {
                if (c === '\\') i++;
                else if (c === '"') quoted = false;
            } else if (c === '"') quoted = true;
            else if (c === ',') return;
        }
    };
    const token = (): string => {
        const from = i;
        while (i < n && TOKEN.test(header.charAt(i))) i++;
        return header.slice(from, i);
    };
    const quotedString = (): string | undefined => {
        let value = '';
        for (i++; i < n; i++) {
            const c = header.charAt(i);
            if (c === '"') {
                i++;
                return value;
            }
            if (c === '\\') i++;
            value += header.charAt(i);
        }
        return undefined; // unterminated
    };

    while (i < n) {
        skipWs();
        if (i >= n) break;
        if (header.charAt(i) === ',') {
            i++;
            continue;
        }
        const close = header.charAt(i) === '<' ? header.indexOf('>', i + 1) : -1;
        const uri = close < 0 ? '' : header.slice(i + 1, close);
        if (!uri || /[\s<"]/.test(uri)) {
            i++;
            skipToNextLink();
            continue;
        }
        i = close + 1;
        const params = new Map<string, string>();
        let valid = true;
        for (;;) {
            skipWs();
            if (i >= n || header.charAt(i) === ',') break;
            if (header.charAt(i) !== ';') {
                valid = false;
                break;
            }
            i++;
            skipWs();
            const key = token().toLowerCase();
            skipWs();
            let value = '';
            if (header.charAt(i) === '=') {
                i++;
                skipWs();
                const v = header.charAt(i) === '"' ? quotedString() : token();
                if (v === undefined) {
                    valid = false;
                    break;
                }
                value = v;
            }
            // The first occurrence of a parameter wins (RFC 8288 §3).
            if (key && !params.has(key)) params.set(key, value);
        }
        if (valid) links.push({ uri, params });
        skipToNextLink();
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
