// The <script> build: applies webrtc-adapter and defines <rtcwire-player> (side effects by
// design: one script tag gives a page the whole SDK and the element), and exposes `rtcwire`.
import 'webrtc-adapter';

export * from './index';
export * from './element/index';
