/* global rtcwire */
// The "Play" card: the rtcwire Player on any stream name, renditions, autoplay fallbacks, stats,
// the stream's metadata (its state and tracks) and its timed data, shown in sync with the video.

import { BitrateChart } from './chart.js';
import {
    describeRendition,
    describeTracks,
    formatBitrate,
    formatClock,
    formatFps,
    formatMs,
    formatPercent,
    formatResolution,
    gradeOf,
    lossGrade,
} from './format.js';
import { createPanel, option } from './panel.js';

/**
 * @param {object} deps
 * @param {() => { params: (streamName: string) => object }} deps.server
 */
export function setupPlayer({ server }) {
    const ui = createPanel('play');
    const form = ui.$('form');
    const video = ui.$('video');
    const nameInput = ui.$('name');
    const renditionSelect = ui.$('rendition');
    const waitBox = ui.$('wait');
    const startButton = ui.$('start');
    const overlay = ui.$('overlay');
    const unmuteButton = ui.$('unmute');
    const resumeButton = ui.$('resume');
    const streamBadge = ui.$('stream-state');
    const tracksLine = ui.$('tracks');
    const dataLine = ui.$('data');
    const chart = new BitrateChart(ui.$('chart'), [
        { key: 'video', label: 'video', color: '--chart-main', fill: true },
    ]);

    let player;
    let listeners;
    let reconnects = 0;
    let renditions = [];
    let autoTrack; // the rendition the SDK's multi-bitrate picked, when automatic
    let hasPlayed = false; // whether this start() has shown a picture yet
    /** A Player prepared while the pointer is on Start (`player.prepare`): the click then shows video at once. */
    let prepared;
    /** Timed data waiting for playback to reach it, oldest first, and where playback was last told to be. */
    let pendingData = [];
    let lastPosition; // { current, at }: the `playing` position and when it came
    let bufferMs = 0; // the player's jitter buffer: the picture shown is this far behind `current`

    const playerOptions = () => ({ waitForStream: waitBox.checked, connector: form.elements.transport.value });

    startButton.addEventListener('pointerenter', () => {
        const name = nameInput.value.trim();
        if (!name || player?.started) return;
        const options = playerOptions();
        if (
            prepared &&
            (prepared.options.connector !== options.connector ||
                prepared.options.waitForStream !== options.waitForStream)
        ) {
            prepared.player.stop();
            prepared = undefined;
        }
        try {
            prepared ??= { player: new rtcwire.Player(video, options), options };
            // Preparing the same stream again keeps the session; it is released after 20 s unused.
            prepared.player.prepare(server().params(name));
        } catch {
            // Bad params: the click shows the SDK's error.
        }
    });

    form.addEventListener('submit', (event) => {
        event.preventDefault();
        if (player?.started) player.stop();
        else start();
    });

    /** Plays `name` (or the name in the field), replacing any current session. */
    function start(name = nameInput.value.trim()) {
        if (!name) return nameInput.focus();
        nameInput.value = name;
        if (player?.started) {
            listeners?.abort(); // the old player's late events must not touch the new session's UI
            player.stop();
        }
        const transport = form.elements.transport.value;
        // The transport picks the connector ('ws' or 'http'), whatever the Server field's scheme.
        const options = playerOptions();
        const ready = prepared;
        prepared = undefined;
        const sameOptions =
            ready?.options.connector === options.connector && ready.options.waitForStream === options.waitForStream;
        if (ready && !sameOptions) ready.player.stop();
        // start() uses the prepared session when it is for the same stream; else it starts cold.
        player = ready && sameOptions ? ready.player : new rtcwire.Player(video, options);
        listen(player);
        resetSession();
        try {
            player.start(server().params(name));
        } catch (error) {
            ui.showError(error);
            ui.setState('failed');
            return;
        }
        // The current rendition choice carries over to the new session.
        player.videoTrack = renditionSelect.value === 'auto' ? undefined : Number(renditionSelect.value);
        setBusy(true);
        rememberInUrl(name, transport);
    }

    function listen(target) {
        listeners?.abort();
        listeners = new AbortController();
        const opts = { signal: listeners.signal };
        target.on('state', onState, opts);
        target.on(
            'start',
            () => {
                hasPlayed = true;
                ui.clearNotice();
                ui.showEmpty(false);
            },
            opts,
        );
        target.on('reconnecting', onReconnecting, opts);
        target.on('timings', onTimings, opts);
        target.on('stats', onStats, opts);
        target.on('renditions', onRenditions, opts);
        target.on('renditionChange', ({ reason }) => ui.setStat('why', reason), opts);
        target.on(
            'rendition',
            (track) => {
                autoTrack = track;
                ui.setStat('rendition', renditionLabel(track));
            },
            opts,
        );
        target.on('streamState', onStreamState, opts);
        target.on('metadata', (metadata) => (tracksLine.textContent = describeTracks(metadata)), opts);
        target.on('playing', ({ current }) => (lastPosition = { current, at: performance.now() }), opts);
        target.on('data', (time, track, data) => pendingData.push({ time, track, data }), opts);
        target.on('autoplayMuted', () => showOverlay(unmuteButton), opts);
        target.on('autoplayBlocked', () => showOverlay(resumeButton), opts);
        target.on('stop', (error) => onStop(target, error), opts);
    }

    function onState(state) {
        ui.setState(state);
        const name = nameInput.value.trim();
        if (state === 'offline') {
            ui.showInfo(`Waiting for “${name}” to be published — playback starts by itself.`);
            ui.showEmpty(true, `Waiting for “${name}” to go live…`);
        } else if (state === 'connecting' && !hasPlayed) {
            // On a reconnection the element keeps its last frame: leave it visible.
            ui.showEmpty(true, `Connecting to “${name}”…`);
        }
    }

    function onReconnecting({ attempt, delayMs, error }) {
        reconnects += 1;
        ui.setStat('reconnects', String(reconnects), 'fair');
        chart.gap();
        ui.showInfo(`Connection lost — reconnecting in ${formatMs(delayMs)} (attempt ${attempt}).`, error?.code);
    }

    function onTimings(t) {
        ui.setTimings(t);
        ui.setStat('firstFrame', formatMs(t.firstFrame));
    }

    function onStop(target, error) {
        if (target !== player) return;
        listeners?.abort();
        setBusy(false);
        hideOverlay();
        chart.gap();
        ui.setPill('');
        ui.showEmpty(true, error ? 'Playback stopped' : undefined);
        if (error) {
            ui.setState('failed');
            ui.showError(error);
        } else {
            ui.setState('stopped');
        }
    }

    function onStats(s) {
        bufferMs = s.jitterBufferMs ?? 0;
        ui.setStat('bitrate', formatBitrate(s.videoBitrate));
        ui.setStat('fps', formatFps(s.fps));
        ui.setStat('resolution', formatResolution(s.width, s.height));
        ui.setStat('loss', formatPercent(s.packetLossPercent), lossGrade(s.packetLossPercent));
        ui.setStat('jitter', formatMs(s.jitterMs));
        ui.setStat('rtt', formatMs(s.rttMs));
        ui.setStat('quality', typeof s.quality === 'number' ? String(s.quality) : '–', gradeOf(s.quality));
        ui.setStat('buffer', formatMs(s.jitterBufferMs));
        ui.setStat('freezes', String(s.freezeCount ?? '–'), s.freezeCount > 0 ? 'fair' : undefined);
        const track = s.rendition ?? autoTrack;
        ui.setStat('rendition', track === undefined ? 'auto' : renditionLabel(track));
        ui.setPill(
            [formatResolution(s.width, s.height), formatFps(s.fps), s.videoCodec]
                .filter((p) => p && p !== '–')
                .join(' · '),
        );
        chart.push({ video: s.videoBitrate });
    }

    // ----- stream metadata and timed data --------------------------------------------------

    function onStreamState(state) {
        streamBadge.dataset.state = state;
        streamBadge.textContent = state === 'waitingForData' ? 'waiting for data' : state;
    }

    /**
     * Shows each timed-data item when the picture reaches it: its `time` is in the media's clock,
     * the clock of `playing`'s `current`; the picture shown is the jitter buffer behind that.
     */
    function showDueData() {
        if (!lastPosition || !pendingData.length) return;
        const position = lastPosition.current + (performance.now() - lastPosition.at) - bufferMs;
        let due;
        while (pendingData.length && pendingData[0].time <= position) due = pendingData.shift();
        if (!due) return;
        const { n, at } = due.data ?? {};
        const what = typeof n === 'number' ? `item #${n}` : JSON.stringify(due.data).slice(0, 40);
        const sent =
            typeof at === 'number' ? `, sent ${formatClock(at)}, shown ${formatMs(Date.now() - at)} later` : '';
        dataLine.textContent = `${what} (track ${due.track}, media ${(due.time / 1000).toFixed(1)} s)${sent}`;
    }
    setInterval(showDueData, 100);

    // ----- renditions -------------------------------------------------------------------------

    function onRenditions(list) {
        renditions = list;
        const keep = renditionSelect.value;
        const options = [
            option('Auto (adaptive)', 'auto'),
            ...list.map((r) => option(describeRendition(r), String(r.track))),
        ];
        renditionSelect.replaceChildren(...options);
        if ([...renditionSelect.options].some((o) => o.value === keep)) renditionSelect.value = keep;
    }

    renditionSelect.addEventListener('change', () => {
        const value = renditionSelect.value;
        // undefined hands the choice back to the SDK's multi-bitrate logic.
        if (player) player.videoTrack = value === 'auto' ? undefined : Number(value);
    });

    function renditionLabel(track) {
        const r = renditions.find((x) => x.track === track);
        return r && r.height ? `${r.height}p (#${track})` : `#${track}`;
    }

    // ----- autoplay fallbacks -----------------------------------------------------------------

    function showOverlay(button) {
        unmuteButton.hidden = button !== unmuteButton;
        resumeButton.hidden = button !== resumeButton;
        overlay.hidden = false;
    }

    function hideOverlay() {
        overlay.hidden = true;
        unmuteButton.hidden = true;
        resumeButton.hidden = true;
    }

    unmuteButton.addEventListener('click', () => {
        video.muted = false;
        hideOverlay();
    });

    resumeButton.addEventListener('click', async () => {
        try {
            await player?.play(); // inside the click: the browser now allows it
            hideOverlay();
        } catch (error) {
            ui.showError(error, 'Playback');
        }
    });

    // ----- helpers ----------------------------------------------------------------------------

    function resetSession() {
        pendingData = [];
        lastPosition = undefined;
        onStreamState('–');
        tracksLine.textContent = 'its tracks show here once it plays';
        dataLine.textContent = 'the publisher’s items show here, in sync with the video';
        reconnects = 0;
        hasPlayed = false;
        autoTrack = undefined;
        renditions = [];
        ui.clearNotice();
        ui.resetStats();
        ui.setStat('reconnects', '0');
        ui.clearTimings();
        hideOverlay();
        chart.clear();
        video.muted = false; // let the SDK try sound first; it falls back to muted and tells us
    }

    function setBusy(busy) {
        startButton.textContent = busy ? 'Stop' : 'Play';
        startButton.classList.toggle('danger', busy);
        for (const el of [nameInput, waitBox, ...form.elements.transport]) el.disabled = busy;
    }

    /** Keeps `?play=` in the address bar so a reload or a shared URL plays the same stream. */
    function rememberInUrl(name, transport) {
        const url = new URL(window.location.href);
        url.searchParams.set('play', name);
        if (transport === 'http') url.searchParams.set('via', 'whep');
        else url.searchParams.delete('via');
        window.history.replaceState(null, '', url);
    }

    ui.setState('idle');

    return {
        /** Plays `name`, optionally over WHEP (`via=whep` in a shared link). */
        play(name, { whep = false } = {}) {
            form.elements.transport.value = whep ? 'http' : 'ws';
            start(name);
            // Stacked layout (narrow screens): bring the player into view; side by side it already is.
            const card = document.getElementById('player');
            const top = card.getBoundingClientRect().top;
            if (top < 0 || top > window.innerHeight * 0.5) card.scrollIntoView({ behavior: 'smooth', block: 'start' });
        },
    };
}
