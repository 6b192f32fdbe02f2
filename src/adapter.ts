/**
 * Opt-in browser shims: `import 'rtcwire/adapter'` applies webrtc-adapter once, before you use
 * rtcwire. The ESM build never applies it by itself; the `<script>` build always does.
 *
 * @example
 * ```ts
 * import adapter from 'rtcwire/adapter';
 * import { Player } from 'rtcwire';
 * console.log(adapter.browserDetails.browser, adapter.browserDetails.version);
 * ```
 * @module
 */
import adapter from 'webrtc-adapter';

/** The browser webrtc-adapter detected. */
export interface BrowserDetails {
    /** `'chrome'`, `'firefox'`, `'safari'` or `'Not a supported browser.'`. */
    browser: string;
    /** Major version, when known. */
    version?: number | null;
}

/** The applied webrtc-adapter (its full API is webrtc-adapter's own). */
export interface AppliedAdapter {
    /** What was detected. */
    browserDetails: BrowserDetails;
}

const applied: AppliedAdapter = adapter;
export default applied;
