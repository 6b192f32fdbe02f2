// A hand-drawn line chart of the last 60 seconds of bitrate, on a <canvas>.
// No library: a few dozen samples a minute need nothing more than lineTo().

import { formatBitrate, formatBitrateShort } from './format.js';

const WINDOW_MS = 60_000;
const PAD = { top: 8, right: 6, bottom: 18, left: 40 };

/** Rounds `value` up to 1, 2 or 5 × 10^n so the axis labels read well. */
function niceCeil(value) {
    const exp = 10 ** Math.floor(Math.log10(value));
    const unit = value / exp;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * exp;
}

export class BitrateChart {
    /**
     * @param {HTMLCanvasElement} canvas
     * @param {{ key: string, label: string, color: string, dashed?: boolean, fill?: boolean }[]} series
     *   `color` names a CSS custom property, read at draw time so light/dark themes just work.
     */
    constructor(canvas, series) {
        this.canvas = canvas;
        this.series = series;
        this.samples = [];
        // Redraw when the layout or the colour scheme changes, not only on new samples.
        if (window.ResizeObserver) new window.ResizeObserver(() => this.draw()).observe(canvas);
        window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => this.draw());
    }

    /** Adds one sample `{ key: bps, … }` stamped now, and forgets what is older than the window. */
    push(values) {
        const now = performance.now();
        this.samples.push({ t: now, ...values });
        while (this.samples.length && this.samples[0].t < now - WINDOW_MS - 2000) this.samples.shift();
        this.draw();
        this.#describe();
    }

    /** Inserts a gap (a session ended): the line breaks instead of joining across the outage. */
    gap() {
        this.samples.push({ t: performance.now(), gap: true });
        this.draw();
    }

    clear() {
        this.samples = [];
        this.draw();
        this.canvas.setAttribute('aria-label', 'Bitrate chart: no data yet');
    }

    draw() {
        const ctx = this.#prepare();
        if (!ctx) return;
        const { width, height } = this.size;
        const colors = this.#colors();
        const plot = { x: PAD.left, y: PAD.top, w: width - PAD.left - PAD.right, h: height - PAD.top - PAD.bottom };
        const max = this.#yMax();
        this.#drawGrid(ctx, plot, max, colors);
        const now = performance.now();
        const x = (t) => plot.x + plot.w * (1 - (now - t) / WINDOW_MS);
        const y = (v) => plot.y + plot.h * (1 - Math.min(v, max) / max);
        for (const serie of this.series) this.#drawSeries(ctx, serie, x, y, plot, colors);
    }

    /** Sizes the backing store to the element's CSS size × devicePixelRatio, for crisp lines. */
    #prepare() {
        const canvas = this.canvas;
        const ratio = window.devicePixelRatio || 1;
        const width = canvas.clientWidth;
        const height = canvas.clientHeight;
        if (!width || !height) return undefined;
        if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
            canvas.width = Math.round(width * ratio);
            canvas.height = Math.round(height * ratio);
        }
        const ctx = canvas.getContext('2d');
        ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
        ctx.clearRect(0, 0, width, height);
        this.size = { width, height };
        return ctx;
    }

    #colors() {
        const style = window.getComputedStyle(this.canvas);
        const read = (name, fallback) => style.getPropertyValue(name).trim() || fallback;
        const out = {
            grid: read('--chart-grid', 'rgba(128,128,128,.25)'),
            text: read('--chart-text', '#888'),
            font: `11px ${style.fontFamily}`,
        };
        for (const serie of this.series) out[serie.color] = read(serie.color, '#4f7cff');
        return out;
    }

    #yMax() {
        let max = 0;
        for (const sample of this.samples) {
            for (const serie of this.series) max = Math.max(max, sample[serie.key] ?? 0);
        }
        // Headroom above the highest point; never below 200 kbps so idle noise stays flat.
        return niceCeil(Math.max(200_000, max * 1.15));
    }

    #drawGrid(ctx, plot, max, colors) {
        ctx.font = colors.font;
        ctx.fillStyle = colors.text;
        ctx.strokeStyle = colors.grid;
        ctx.lineWidth = 1;
        ctx.textBaseline = 'middle';
        ctx.textAlign = 'right';
        const steps = plot.h >= 90 ? 4 : 2; // a short chart reads better with fewer lines
        for (let i = 0; i <= steps; i++) {
            const yy = Math.round(plot.y + (plot.h * i) / steps) + 0.5;
            ctx.beginPath();
            ctx.moveTo(plot.x, yy);
            ctx.lineTo(plot.x + plot.w, yy);
            ctx.stroke();
            ctx.fillText(formatBitrateShort((max * (steps - i)) / steps), plot.x - 8, yy);
        }
        ctx.textBaseline = 'alphabetic';
        const baseline = plot.y + plot.h + 14;
        ctx.textAlign = 'left';
        ctx.fillText('−60 s', plot.x, baseline);
        ctx.textAlign = 'center';
        ctx.fillText('−30 s', plot.x + plot.w / 2, baseline);
        ctx.textAlign = 'right';
        ctx.fillText('now', plot.x + plot.w, baseline);
    }

    #drawSeries(ctx, serie, x, y, plot, colors) {
        // Split into runs of consecutive samples that have this value, broken at gaps.
        const runs = [];
        let run = [];
        for (const sample of this.samples) {
            const value = sample[serie.key];
            if (sample.gap || typeof value !== 'number') {
                if (run.length) runs.push(run);
                run = [];
            } else run.push([Math.max(plot.x, x(sample.t)), y(value)]);
        }
        if (run.length) runs.push(run);

        const color = colors[serie.color];
        ctx.save();
        ctx.beginPath();
        ctx.rect(plot.x, plot.y - 2, plot.w + 2, plot.h + 4);
        ctx.clip();
        for (const points of runs) {
            if (serie.fill && points.length > 1) {
                const gradient = ctx.createLinearGradient(0, plot.y, 0, plot.y + plot.h);
                gradient.addColorStop(0, withAlpha(color, 0.35));
                gradient.addColorStop(1, withAlpha(color, 0));
                ctx.fillStyle = gradient;
                ctx.beginPath();
                ctx.moveTo(points[0][0], plot.y + plot.h);
                for (const [px, py] of points) ctx.lineTo(px, py);
                ctx.lineTo(points[points.length - 1][0], plot.y + plot.h);
                ctx.closePath();
                ctx.fill();
            }
            ctx.strokeStyle = color;
            ctx.lineWidth = serie.dashed ? 1.5 : 2;
            ctx.lineJoin = 'round';
            ctx.setLineDash(serie.dashed ? [5, 4] : []);
            ctx.beginPath();
            points.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
            if (points.length === 1) ctx.arc(points[0][0], points[0][1], 1.5, 0, Math.PI * 2);
            ctx.stroke();
        }
        ctx.restore();
    }

    /** Keeps the canvas's accessible name in step with what it shows. */
    #describe() {
        const last = this.samples[this.samples.length - 1];
        const parts = this.series
            .filter((s) => typeof last?.[s.key] === 'number')
            .map((s) => `${s.label} ${formatBitrate(last[s.key])}`);
        this.canvas.setAttribute('aria-label', `Bitrate chart, last 60 seconds: ${parts.join(', ') || 'no data'}`);
    }
}

/** `#rrggbb` or `rgb(…)` with an alpha channel, for the area fill. */
function withAlpha(color, alpha) {
    const hex = /^#([0-9a-f]{6})$/i.exec(color);
    if (hex) {
        const n = parseInt(hex[1], 16);
        return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
    }
    const rgb = /^rgba?\(([^)]+)\)$/.exec(color);
    if (rgb) {
        const [r, g, b] = rgb[1].split(',').map((v) => v.trim());
        return `rgba(${r}, ${g}, ${b}, ${alpha})`;
    }
    return color;
}
