/**
 * Opt-in browser shims: `import 'rtcwire/adapter'` applies webrtc-adapter once, before you use
 * rtcwire. The ESM build never applies it by itself; the `<script>` build always does.
 * @module
 */
import 'webrtc-adapter';

export {};
