// Small pure helpers: number formatting, tolerant field access, random stream names.

/** The first argument that is a finite number, else undefined. */
export function firstNumber(...values) {
    return values.find((v) => typeof v === 'number' && Number.isFinite(v));
}

/** "850 kbps", "1.24 Mbps" — or "–" for nothing. */
export function formatBitrate(bps) {
    if (typeof bps !== 'number' || !Number.isFinite(bps)) return '–';
    if (bps >= 1e6) return `${(bps / 1e6).toFixed(bps >= 1e7 ? 1 : 2)} Mbps`;
    return `${Math.round(bps / 1000)} kbps`;
}

/** Axis labels: "0", "500k", "1.5M". */
export function formatBitrateShort(bps) {
    if (bps <= 0) return '0';
    if (bps >= 1e6) return `${+(bps / 1e6).toFixed(2)}M`;
    return `${+(bps / 1000).toFixed(0)}k`;
}

/** "42 ms", "1.3 s". */
export function formatMs(ms) {
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return '–';
    return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** "0.4 %" with one decimal below 10 %, none above. */
export function formatPercent(value) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return '–';
    return `${value < 10 ? value.toFixed(1) : Math.round(value)} %`;
}

/** "1280×720" or "–" when the size is unknown (0×0 until the first frame). */
export function formatResolution(width, height) {
    return width > 0 && height > 0 ? `${width}×${height}` : '–';
}

/** "30 fps". */
export function formatFps(fps) {
    return typeof fps === 'number' && Number.isFinite(fps) ? `${Math.round(fps)} fps` : '–';
}

/** A rendition as a person reads it: "720p · 1.2 Mbps". */
export function describeRendition(rendition) {
    const parts = [];
    if (rendition.height) parts.push(`${rendition.height}p`);
    else if (rendition.width) parts.push(`${rendition.width}w`);
    if (rendition.bitrate) parts.push(formatBitrate(rendition.bitrate));
    parts.push(`track ${rendition.track}`);
    return parts.join(' · ');
}

/** A stream's tracks from its metadata: "video 180p–720p VP8 · 1 audio opus · data #3 JSON". */
export function describeTracks(metadata) {
    const parts = [];
    const videos = metadata.videos.filter((v) => v.height);
    if (videos.length) {
        const heights = videos.map((v) => v.height);
        const range = videos.length > 1 ? `${Math.min(...heights)}p–${Math.max(...heights)}p` : `${heights[0]}p`;
        parts.push(`${videos.length} video ${range} ${videos[0].codec}`);
    } else if (metadata.videos.length) parts.push(`${metadata.videos.length} video ${metadata.videos[0].codec}`);
    if (metadata.audios.length) parts.push(`${metadata.audios.length} audio ${metadata.audios[0].codec}`);
    for (const data of metadata.datas) parts.push(`data #${data.index} ${data.codec}`);
    return parts.join(' · ') || 'no track yet';
}

/** "14:03:05.123": a wall-clock time to the millisecond. */
export function formatClock(ms) {
    const date = new Date(ms);
    const pad = (n, width = 2) => String(n).padStart(width, '0');
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Quality grade of a 0–100 score, for colour: good / fair / poor. */
export function gradeOf(score) {
    if (typeof score !== 'number') return undefined;
    if (score >= 75) return 'good';
    if (score >= 45) return 'fair';
    return 'poor';
}

/** Grade of a loss percentage. */
export function lossGrade(percent) {
    if (typeof percent !== 'number') return undefined;
    if (percent < 1) return 'good';
    if (percent < 5) return 'fair';
    return 'poor';
}

// Split from strings so the formatter keeps the word lists compact.
const ADJECTIVES =
    'amber brave calm clever cosmic crisp eager fuzzy gentle golden happy jolly lucky mellow misty nimble quiet rapid shiny sunny swift tidy vivid witty'.split(
        ' ',
    );
const ANIMALS =
    'badger beaver bison falcon ferret gecko heron koala lemur lynx marmot moose narwhal otter panda puffin quokka raven salmon tapir walrus wombat yak zebra'.split(
        ' ',
    );

/** A stream name people can read aloud: "brave-otter-42". */
export function randomName() {
    const pick = (list) => list[Math.floor(Math.random() * list.length)];
    return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${10 + Math.floor(Math.random() * 90)}`;
}
