/** Stream names as they appear in URL paths: one percent-encoded segment. */

/** Longest stream name accepted, in characters. */
export const MAX_STREAM_NAME = 200;

/** `/webrtc/<name>` → name (decoded), or undefined when the path has no valid name after `prefix`. */
export function streamFromPath(pathname: string, prefix: string): string | undefined {
    if (!pathname.startsWith(prefix)) return undefined;
    const rest = pathname.slice(prefix.length);
    if (!rest || rest.includes('/')) return undefined;
    let name: string;
    try {
        name = decodeURIComponent(rest);
    } catch {
        return undefined;
    }
    const control = [...name].some((ch) => ch.charCodeAt(0) < 0x20);
    return name && name.length <= MAX_STREAM_NAME && !control ? name : undefined;
}
