/** What a secret is replaced with in logs and errors. */
export const REDACTED = '[redacted]';

/**
 * `text` with every occurrence of `secret` replaced by {@link REDACTED}, raw and in its URL-encoded
 * forms (a query parameter encodes it): so that an access token never reaches a log line or an
 * error message. Without a secret, `text` as it is.
 *
 * @example
 * ```ts
 * redact('wss://host/webrtc/live?tkn=abc', 'abc'); // 'wss://host/webrtc/live?tkn=[redacted]'
 * ```
 */
export function redact(text: string, secret: string | undefined): string {
    if (!secret) return text;
    const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
    let out = text;
    for (const form of forms) out = out.split(form).join(REDACTED);
    return out;
}
