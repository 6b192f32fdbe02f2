// What the publisher and player cards share: the state badge, the notice line (errors and
// progress), the stats grid, the timings strip and the overlay pill on the video.

/** Badge text per SDK state; states not listed show as they are. */
const STATE_LABELS = {
    idle: 'idle',
    connecting: 'connecting',
    streaming: 'live',
    playing: 'playing',
    reconnecting: 'reconnecting',
    offline: 'offline',
    stopped: 'stopped',
    failed: 'error',
};

/** Timings keys in session order, with the words a person reads. */
const TIMING_STEPS = [
    ['socketOpen', 'socket'],
    ['offerReady', 'offer'],
    ['answer', 'answer'],
    ['iceConnected', 'ICE'],
    ['dtlsConnected', 'DTLS'],
    ['open', 'media'],
    ['firstFrame', 'first frame'],
];

/** Finds the elements of the card whose ids start with `prefix` (`pub`, `play`). */
export function createPanel(prefix) {
    const $ = (suffix) => document.getElementById(`${prefix}-${suffix}`);
    const badge = $('badge');
    const notice = $('notice');
    const stats = $('stats');
    const timings = $('timings');
    const pill = $('pill');
    const empty = $('empty');
    const emptyText = $('empty-text');
    const emptyDefault = [...emptyText.childNodes].map((n) => n.cloneNode(true));
    const cells = new Map([...stats.querySelectorAll('[data-stat]')].map((dd) => [dd.dataset.stat, dd]));

    return {
        $,

        /** Shows `state` on the badge (announced by its aria-live region). */
        setState(state) {
            badge.dataset.state = state;
            badge.textContent = STATE_LABELS[state] ?? state;
            // Numbers from a session that is not live any more stay visible, but dimmed.
            stats.classList.toggle('is-stale', state !== 'streaming' && state !== 'playing');
        },

        /** An error from the SDK (`RtcError`) or the browser, with its code in front. */
        showError(error, context) {
            const code = error?.code ?? error?.name ?? 'ERROR';
            const message = error?.message || String(error);
            notice.replaceChildren(
                codeChip(code),
                document.createTextNode(context ? `${context}: ${message}` : message),
            );
            const hint = hintFor(code);
            if (hint)
                notice.append(Object.assign(document.createElement('span'), { className: 'hint', textContent: hint }));
            notice.dataset.kind = 'error';
            notice.hidden = false;
        },

        /** A progress message (reconnecting, waiting for the stream …). */
        showInfo(text, code) {
            notice.replaceChildren(...(code ? [codeChip(code)] : []), document.createTextNode(text));
            notice.dataset.kind = 'info';
            notice.hidden = false;
        },

        clearNotice() {
            notice.hidden = true;
            notice.replaceChildren();
        },

        /** Sets one stats cell; `grade` (good / fair / poor) colours it. */
        setStat(key, text, grade) {
            const cell = cells.get(key);
            if (!cell) return;
            cell.textContent = text;
            if (grade) cell.dataset.grade = grade;
            else delete cell.dataset.grade;
        },

        /** Blanks every cell except the reconnect counter, which counts across sessions. */
        resetStats() {
            for (const [key, cell] of cells) {
                if (key === 'reconnects') continue;
                cell.textContent = '–';
                delete cell.dataset.grade;
            }
        },

        /** The `timings` event as one row of steps in time order (ms since `start()`). */
        setTimings(t) {
            const steps = TIMING_STEPS.filter(([key]) => typeof t?.[key] === 'number').sort(([a], [b]) => t[a] - t[b]);
            const items = steps.map(([key, label]) => {
                const item = document.createElement('span');
                item.className = key === 'firstFrame' ? 'step step-key' : 'step';
                item.append(
                    Object.assign(document.createElement('span'), { className: 'step-label', textContent: label }),
                    Object.assign(document.createElement('span'), {
                        className: 'step-value',
                        textContent: String(Math.round(t[key])),
                    }),
                );
                return item;
            });
            const title = Object.assign(document.createElement('span'), {
                className: 'timings-title',
                textContent: t?.session > 1 ? `Session ${t.session}` : 'Timings',
            });
            // A prepared start (hover, then click) has only its first frame to time.
            const since = t?.prepared ? 'ms since start, prepared' : 'ms since start';
            title.append(Object.assign(document.createElement('small'), { textContent: since }));
            timings.replaceChildren(title, ...items);
        },

        clearTimings() {
            timings.replaceChildren();
        },

        /** The pill over the video ("1280×720 · 30 fps · VP8"); hidden when empty. */
        setPill(text) {
            pill.textContent = text;
            pill.hidden = !text;
        },

        /** The placeholder over the video while nothing plays; `text` replaces its message. */
        showEmpty(show, text) {
            empty.hidden = !show;
            if (text) emptyText.textContent = text;
            else emptyText.replaceChildren(...emptyDefault.map((n) => n.cloneNode(true)));
        },
    };
}

function codeChip(code) {
    return Object.assign(document.createElement('code'), { className: 'code', textContent: code });
}

/** One line of advice for the errors a person can do something about. */
function hintFor(code) {
    switch (code) {
        case 'ACCESS_DENIED':
            return 'Allow camera and microphone access for this page (or check the access token), then try again.';
        case 'STREAM_NOT_FOUND':
            return 'Nobody publishes under this name. Check the spelling, or tick “Wait for stream”.';
        case 'REFUSED':
            return 'The server refused the session — is this name already being published?';
        case 'SIGNALING_FAILED':
            return 'Could not reach the signaling server. Check the Server address at the top.';
        case 'TIMEOUT':
            return 'The server did not answer in time.';
        case 'STREAM_ENDED':
            return 'The publisher stopped.';
        case 'NOT_SUPPORTED':
            return 'This browser lacks a feature this needs (try a recent Chrome, Edge, Firefox or Safari).';
        case 'NotFoundError':
        case 'MEDIA_FAILED':
            return 'Check that a camera is connected and not used by another application.';
        default:
            return '';
    }
}

/** An `<option>` element. */
export function option(label, value) {
    return Object.assign(document.createElement('option'), { textContent: label, value });
}
