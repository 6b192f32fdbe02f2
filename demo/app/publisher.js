/* global rtcwire */
// The "Publish" card: camera capture, the rtcwire Streamer, its live stats, and a JSON item of
// timed data every second on the session's data channel (the Play card shows it in sync).

import { BitrateChart } from './chart.js';
import {
    firstNumber,
    formatBitrate,
    formatFps,
    formatMs,
    formatPercent,
    formatResolution,
    gradeOf,
    lossGrade,
    randomName,
} from './format.js';
import { createPanel, option } from './panel.js';

/** Capture constraints: 720p when the camera can, so the codecs have something to work with. */
const VIDEO_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

/** The encoder's `qualityLimitationReason`, in a word that fits a stats cell. */
const LIMIT_LABELS = { none: 'none', bandwidth: 'network', cpu: 'CPU', other: 'other' };

/**
 * @param {object} deps
 * @param {() => { params: (streamName: string) => object }} deps.server
 * @param {(name: string, whep: boolean) => void} deps.playHere  Starts the player card on this name.
 * @param {(text: string) => void} deps.toast
 */
export function setupPublisher({ server, playHere, toast }) {
    const ui = createPanel('pub');
    const form = ui.$('form');
    const video = ui.$('video');
    const nameInput = ui.$('name');
    const codecSelect = ui.$('codec');
    const cameraSelect = ui.$('camera');
    const modeSelect = ui.$('bitrate-mode');
    const kbpsInput = ui.$('kbps');
    const simulcastBox = ui.$('simulcast');
    const startButton = ui.$('start');
    const muteAudioButton = ui.$('mute-audio');
    const muteVideoButton = ui.$('mute-video');
    const chart = new BitrateChart(ui.$('chart'), [
        { key: 'sent', label: 'sent', color: '--chart-main', fill: true },
        { key: 'target', label: 'target', color: '--chart-alt', dashed: true },
    ]);

    /** Everything that lives for one publishing session. */
    let streamer;
    let camera; // MediaStream from getUserMedia, owned by this page (the SDK leaves it to us)
    let listeners; // AbortController of the current streamer's subscriptions
    let reconnects = 0;
    let lastReport; // last `mediaReport` from the server, for its jitter and loss
    const muted = { audio: false, video: false };
    const dataLine = ui.$('data');
    let dataTimer; // sends a timed-data item every second while publishing

    nameInput.value = randomName();
    ui.$('shuffle').addEventListener('click', () => {
        nameInput.value = randomName();
        nameInput.focus();
    });

    // ----- start / stop -------------------------------------------------------------------

    let opening = false; // waiting for the camera permission: ignore a second click

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (opening) return;
        if (streamer?.started) stop();
        else void start();
    });

    async function start() {
        const name = nameInput.value.trim();
        if (!name) return nameInput.focus();
        ui.clearNotice();
        setBusy(true);
        ui.setState('connecting');
        if (!camera) ui.showEmpty(true, 'Starting the camera…');
        opening = true;
        try {
            camera ??= await openCamera(cameraSelect.value);
        } catch (error) {
            setBusy(false);
            ui.setState('failed');
            ui.showEmpty(true);
            ui.showError(rtcwire.RtcError.from(error, 'MEDIA_FAILED'), 'Camera');
            return;
        } finally {
            opening = false;
        }
        void listCameras();

        const transport = form.elements.transport.value;
        // The transport picks the connector ('ws' or 'http'), whatever the Server field's scheme.
        streamer = new rtcwire.Streamer({
            connector: transport,
            videoCodec: codecSelect.value,
            simulcast: simulcastBox.checked,
            maxBitrate: 2_500_000,
        });
        listen(streamer);
        applyBitrateMode();
        reconnects = 0;
        lastReport = undefined;
        ui.setStat('reconnects', '0');
        ui.resetStats();
        ui.clearTimings();
        chart.clear();
        try {
            streamer.start(camera, server().params(name));
        } catch (error) {
            // Bad arguments are thrown synchronously (INVALID_ARGUMENT).
            closeCamera();
            ui.showError(error);
            ui.setState('failed');
            setBusy(false);
            return;
        }
        // Mutes are per track; apply the choices made before this session started.
        if (muted.audio) streamer.muteAudio();
        if (muted.video) streamer.muteVideo();
        sendTimedData(streamer);
    }

    /** A JSON item every second, `{ n, at }`: players show it in sync with the video. */
    function sendTimedData(target) {
        clearInterval(dataTimer);
        let n = 0;
        dataTimer = setInterval(() => {
            // false while the data channel is not open (connecting, reconnecting): nothing is sent.
            if (target.sendData({ n, at: Date.now() })) dataLine.textContent = `item #${n++} sent`;
        }, 1000);
    }

    function stop() {
        streamer?.stop(); // its `stop` event tidies up the UI
    }

    /** Wires one streamer's events; a new start() aborts the previous subscriptions. */
    function listen(target) {
        listeners?.abort();
        listeners = new AbortController();
        const opts = { signal: listeners.signal };
        target.on('state', (state) => ui.setState(state), opts);
        target.on('start', () => ui.clearNotice(), opts);
        target.on('reconnecting', onReconnecting, opts);
        target.on('timings', (t) => ui.setTimings(t), opts);
        target.on('stats', onStats, opts);
        target.on('targetBitrate', (bps) => ui.setStat('target', formatBitrate(bps)), opts);
        target.on('bitrateChange', (_bps, reason) => ui.setStat('why', reason), opts);
        target.on('videoBitrate', onServerBitrate, opts);
        target.on('mediaReport', (report) => (lastReport = report), opts);
        target.on('stop', (error) => onStop(target, error), opts);
    }

    function onReconnecting({ attempt, delayMs, error }) {
        reconnects += 1;
        ui.setStat('reconnects', String(reconnects), 'fair');
        chart.gap();
        ui.showInfo(`Connection lost — reconnecting in ${formatMs(delayMs)} (attempt ${attempt}).`, error?.code);
    }

    function onStop(target, error) {
        if (target !== streamer) return;
        listeners?.abort();
        clearInterval(dataTimer);
        closeCamera();
        setBusy(false);
        chart.gap();
        ui.setPill('');
        if (error) {
            ui.setState('failed');
            ui.showError(error);
        } else {
            ui.setState('stopped');
        }
    }

    // ----- stats ------------------------------------------------------------------------------

    function onStats(s) {
        const report = lastReport?.stats;
        ui.setStat('bitrate', formatBitrate(s.videoBitrate));
        ui.setStat('target', formatBitrate(s.targetBitrate));
        ui.setStat('fps', formatFps(s.fps));
        ui.setStat('resolution', formatResolution(s.width, s.height));
        const loss = firstNumber(s.packetLossPercent, report?.lossPerc, report?.lossPercent);
        ui.setStat('loss', formatPercent(loss), lossGrade(loss));
        // The sender sees jitter only through the server's reports (or a future SDK field).
        ui.setStat('jitter', formatMs(firstNumber(s.jitterMs, report?.jitterMs)));
        ui.setStat('rtt', formatMs(s.rttMs));
        ui.setStat('quality', typeof s.quality === 'number' ? String(s.quality) : '–', gradeOf(s.quality));
        ui.setStat('codec', s.videoCodec ?? codecSelect.value);
        const limit = LIMIT_LABELS[s.qualityLimitationReason] ?? s.qualityLimitationReason;
        ui.setStat('limit', limit ?? '–', limit && limit !== 'none' ? 'fair' : undefined);
        ui.setPill(
            [formatResolution(s.width, s.height), formatFps(s.fps), s.videoCodec]
                .filter((p) => p && p !== '–')
                .join(' · '),
        );
        chart.push({ sent: s.videoBitrate, target: s.targetBitrate });
    }

    function onServerBitrate(bitrate, constraint) {
        const text =
            constraint > 0 && constraint !== bitrate
                ? `${formatBitrate(bitrate)} (≤ ${formatBitrate(constraint)})`
                : formatBitrate(bitrate);
        ui.setStat('server', text);
    }

    // ----- bitrate: adaptive or fixed ---------------------------------------------------------

    modeSelect.addEventListener('change', () => {
        kbpsInput.disabled = modeSelect.value !== 'fixed';
        applyBitrateMode();
        if (!kbpsInput.disabled) kbpsInput.focus();
    });
    kbpsInput.addEventListener('change', applyBitrateMode);

    /** Applies at once on a live session: `videoBitrate = undefined` hands control back to ABR. */
    function applyBitrateMode() {
        if (!streamer) return;
        const kbps = Number(kbpsInput.value);
        const fixed = modeSelect.value === 'fixed' && kbps > 0;
        streamer.videoBitrate = fixed ? kbps * 1000 : undefined;
    }

    // ----- mute toggles -----------------------------------------------------------------------

    muteAudioButton.addEventListener('click', () => toggleMute('audio', muteAudioButton));
    muteVideoButton.addEventListener('click', () => toggleMute('video', muteVideoButton));

    /** The buttons keep their label ("Mute microphone"); aria-pressed tells whether it is on. */
    function toggleMute(kind, button) {
        muted[kind] = !muted[kind];
        button.setAttribute('aria-pressed', String(muted[kind]));
        if (streamer?.started) {
            if (kind === 'audio' && muted.audio) streamer.muteAudio();
            else if (kind === 'audio') streamer.unmuteAudio();
            else if (muted.video) streamer.muteVideo();
            else streamer.unmuteVideo();
        } else {
            // Not publishing: mute the preview directly so what you see is what will be sent.
            for (const track of camera?.getTracks() ?? []) if (track.kind === kind) track.enabled = !muted[kind];
        }
        video.classList.toggle('is-video-muted', muted.video);
    }

    // ----- camera -----------------------------------------------------------------------------

    async function openCamera(deviceId) {
        if (!navigator.mediaDevices?.getUserMedia) {
            throw new rtcwire.RtcError('NOT_SUPPORTED', 'camera capture needs a secure context (https or localhost)');
        }
        const videoConstraints = deviceId ? { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } } : VIDEO_CONSTRAINTS;
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: videoConstraints });
        showPreview(stream);
        return stream;
    }

    function showPreview(stream) {
        video.srcObject = stream;
        ui.showEmpty(false);
        video.play().catch(() => {}); // muted preview: autoplay is always allowed
    }

    function closeCamera() {
        camera?.getTracks().forEach((t) => t.stop());
        camera = undefined;
        video.srcObject = null;
        ui.showEmpty(true);
    }

    /** Fills the camera list; labels are only readable once the user granted access. */
    async function listCameras() {
        if (!navigator.mediaDevices?.enumerateDevices) return;
        const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
        const current = camera?.getVideoTracks()[0]?.getSettings().deviceId ?? cameraSelect.value;
        const options = devices.map((d, i) => option(d.label || `Camera ${i + 1}`, d.deviceId));
        if (!options.length) options.push(option('Default camera', ''));
        cameraSelect.replaceChildren(...options);
        if (devices.some((d) => d.deviceId === current)) cameraSelect.value = current;
    }
    navigator.mediaDevices?.addEventListener?.('devicechange', () => void listCameras());

    cameraSelect.addEventListener('change', () => void switchCamera(cameraSelect.value));

    /** Swaps the video track in place: `replaceTrack` keeps the session, no renegotiation. */
    async function switchCamera(deviceId) {
        if (!camera) return; // not capturing yet: the choice applies at the next Publish
        let fresh;
        try {
            fresh = await navigator.mediaDevices.getUserMedia({
                video: deviceId ? { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } } : VIDEO_CONSTRAINTS,
            });
        } catch (error) {
            ui.showError(rtcwire.RtcError.from(error, 'MEDIA_FAILED'), 'Switch camera');
            return;
        }
        const track = fresh.getVideoTracks()[0];
        track.enabled = !muted.video;
        try {
            if (streamer?.started) await streamer.replaceTrack('video', track);
        } catch (error) {
            track.stop();
            ui.showError(error, 'Switch camera');
            return;
        }
        const old = camera.getVideoTracks()[0];
        camera = new MediaStream([...camera.getAudioTracks(), track]);
        old?.stop();
        showPreview(camera);
        toast(`Switched to ${cameraSelect.selectedOptions[0]?.textContent ?? 'camera'}`);
    }

    // ----- sharing ----------------------------------------------------------------------------

    ui.$('copy').addEventListener('click', async () => {
        const link = new URL('/', window.location.href);
        link.searchParams.set('play', nameInput.value.trim());
        if (form.elements.transport.value === 'http') link.searchParams.set('via', 'whep');
        try {
            await navigator.clipboard.writeText(link.href);
            toast('Player link copied');
        } catch {
            // No clipboard permission (or an insecure origin): show the link to copy by hand.
            window.prompt('Copy this player link:', link.href);
        }
    });

    ui.$('play-here').addEventListener('click', () =>
        playHere(nameInput.value.trim(), form.elements.transport.value === 'http'),
    );

    // ----- helpers ----------------------------------------------------------------------------

    /** Locks what cannot change mid-session; bitrate, camera and mutes stay live. */
    function setBusy(busy) {
        startButton.textContent = busy ? 'Stop' : 'Publish';
        startButton.classList.toggle('danger', busy);
        for (const el of [nameInput, codecSelect, simulcastBox, ui.$('shuffle'), ...form.elements.transport]) {
            el.disabled = busy;
        }
    }

    ui.setState('idle');
    void listCameras();
}
