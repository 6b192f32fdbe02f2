// The <script> build: applies webrtc-adapter (a side effect by design) and exposes `rtcwire`.
import 'webrtc-adapter';

export * from './index';
