// How every test, benchmark and dev script here launches Chromium: Debian's build at
// /usr/bin/chromium (or $CHROMIUM_PATH), else Playwright's own where installed, headless, with a
// fake camera and microphone, and the flags that keep it off the network.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Chromium flags that work headless on CI machines; `autoplay: false` drops the autoplay flag. */
export function chromiumArgs(options = {}) {
    const args = [
        '--no-sandbox',
        '--headless=new',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        '--allow-loopback-in-peer-connection',
    ];
    if (options.autoplay !== false) args.push('--autoplay-policy=no-user-gesture-required');
    return args;
}

/** Launches Chromium: Debian's build when present, else Playwright's own. */
export function launchChromium(options = {}) {
    const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
        (p) => !!p && existsSync(p),
    );
    return chromium.launch({ executablePath, headless: true, args: chromiumArgs(options) });
}
