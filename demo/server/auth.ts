/**
 * Optional access tokens: rules mapping stream names (or name prefixes) to the tokens that may
 * publish or play them. Off unless configured — the demo, the e2e tests and the benchmarks run
 * without tokens.
 *
 *   { "cam": { "publish": "s3cret" },                    // play cam: open; publish cam: s3cret
 *     "live+*": { "publish": ["a", "b"], "play": "view" }, // every live+… stream
 *     "*": { "publish": "admin" } }                         // every other stream's publish
 *
 * For a role, the most specific rule that names that role decides: the exact name, else the
 * longest matching prefix (`name*`), else `*`. A role no rule names is open.
 *
 * Clients send the token as `Authorization: Bearer <token>` (WHIP/WHEP, the SDK's HTTP connector)
 * or as a query parameter — `tkn` (the SDK's WebSocket default and MistServer's name), `jwt`, `sid`,
 * `sessId` (MistServer), `id` (Ceeblue) or `accessToken` (earlier SDK versions).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export type Role = 'publish' | 'play';

export interface StreamTokens {
    publish?: string | string[];
    play?: string | string[];
}

/** Keys: a stream name, a prefix ending in `*`, or `*` alone. */
export type TokenRules = Record<string, StreamTokens>;

export type AccessResult = { ok: true } | { ok: false; status: 401 | 403; message: string };

/** Query parameters read as a token, in this order. */
export const TOKEN_QUERY_NAMES = ['tkn', 'jwt', 'sid', 'sessId', 'id', 'accessToken'] as const;

interface Rule {
    /** the name, or the prefix for a `*` rule */
    match: string;
    prefix: boolean;
    tokens: Partial<Record<Role, Buffer[]>>;
}

/** What is kept of a token: its SHA-256, compared in constant time. */
export const tokenDigest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Constant-time comparison (of fixed-length digests, so the tokens' lengths do not leak either). */
const sameToken = (token: string, allowed: readonly Buffer[]) => {
    const d = tokenDigest(token);
    return allowed.reduce((found, a) => timingSafeEqual(d, a) || found, false);
};

export class Auth {
    private readonly rules: Rule[];

    constructor(rules: TokenRules = {}) {
        this.rules = Object.entries(validateRules(rules, 'tokens'))
            .map(([key, t]) => ({
                match: key.endsWith('*') ? key.slice(0, -1) : key,
                prefix: key.endsWith('*'),
                tokens: {
                    ...(t.publish !== undefined ? { publish: (list(t.publish) as string[]).map(tokenDigest) } : {}),
                    ...(t.play !== undefined ? { play: (list(t.play) as string[]).map(tokenDigest) } : {}),
                },
            }))
            // exact names first, then prefixes from the longest: the first match is the most specific
            .sort((a, b) => Number(a.prefix) - Number(b.prefix) || b.match.length - a.match.length);
    }

    /** Whether any rule exists (else every request is allowed). */
    get enabled(): boolean {
        return this.rules.length > 0;
    }

    /** Whether `token` may act as `role` on `stream`: 401 without a needed token, 403 with a wrong one. */
    check(stream: string, role: Role, token: string | undefined): AccessResult {
        const allowed = this.tokensFor(stream, role);
        if (!allowed) return { ok: true };
        const verb = role === 'publish' ? 'publish' : 'play';
        if (!token)
            return { ok: false, status: 401, message: `Access denied: a token is required to ${verb} this stream` };
        if (!sameToken(token, allowed)) return { ok: false, status: 403, message: 'Access denied: invalid token' };
        return { ok: true };
    }

    /** The tokens of the most specific rule naming `role` for `stream`, undefined when open. */
    private tokensFor(stream: string, role: Role): Buffer[] | undefined {
        for (const r of this.rules) {
            const matches = r.prefix ? stream.startsWith(r.match) : stream === r.match;
            if (matches && r.tokens[role]) return r.tokens[role];
        }
        return undefined;
    }
}

/** Whether `given` is the token whose digest is `expected` (a WHIP/WHEP session's own token). */
export function tokenMatches(expected: Buffer, given: string | undefined): boolean {
    return given !== undefined && sameToken(given, [expected]);
}

/** The token of a request: `Authorization: Bearer`, else the first token query parameter. */
export function requestToken(query: URLSearchParams, authorization?: string): string | undefined {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (bearer) return bearer;
    for (const name of TOKEN_QUERY_NAMES) {
        const v = query.get(name);
        if (v) return v;
    }
    return undefined;
}

/**
 * The rules from the environment: `TOKENS` (the JSON itself) or `TOKENS_FILE` (a path to it).
 * Neither: undefined (auth off). A malformed value throws, naming the variable: a server told to
 * protect streams must not start open.
 */
export function tokensFromEnv(env: NodeJS.ProcessEnv = process.env): TokenRules | undefined {
    if (env.TOKENS) return parseTokenRules(env.TOKENS, 'TOKENS');
    if (env.TOKENS_FILE) return readTokenFile(env.TOKENS_FILE);
    return undefined;
}

export function readTokenFile(file: string): TokenRules {
    let text: string;
    try {
        text = readFileSync(file, 'utf8');
    } catch (e) {
        throw new Error(`cannot read the token file ${file}: ${(e as Error).message}`);
    }
    return parseTokenRules(text, file);
}

export function parseTokenRules(json: string, source: string): TokenRules {
    let value: unknown;
    try {
        value = JSON.parse(json);
    } catch (e) {
        throw new Error(`${source} is not valid JSON: ${(e as Error).message}`);
    }
    return validateRules(value, source);
}

function validateRules(value: unknown, source: string): TokenRules {
    if (!isObject(value)) throw new Error(`${source} must be an object of stream names`);
    for (const [key, rule] of Object.entries(value)) {
        if (!key || (key.includes('*') && key.indexOf('*') !== key.length - 1)) {
            throw new Error(`${source}: "${key}" is not a stream name or a prefix ending in *`);
        }
        if (!isObject(rule)) throw new Error(`${source}: "${key}" must be an object with publish and/or play`);
        for (const [role, tokens] of Object.entries(rule)) {
            if (role !== 'publish' && role !== 'play')
                throw new Error(`${source}: "${key}" has an unknown key "${role}"`);
            const all = list(tokens);
            if (!all.length || all.some((t) => typeof t !== 'string' || !t)) {
                throw new Error(`${source}: "${key}".${role} must be a token or a list of tokens (non-empty strings)`);
            }
        }
    }
    return value as TokenRules;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
