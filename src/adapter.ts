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
 * @module rtcwire/adapter
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

/**
 * webrtc-adapter, applied: importing this entry (or requiring it) shims the browser's WebRTC API.
 *
 * @example
 * ```ts
 * import adapter from 'rtcwire/adapter';
 * if (adapter.browserDetails.browser === 'safari') console.log('Safari', adapter.browserDetails.version);
 * ```
 */
const applied: AppliedAdapter = adapter;
export default applied;
