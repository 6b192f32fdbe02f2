// How the tests launch Firefox: Debian's firefox-esr (or $FIREFOX_PATH), driven by puppeteer-core
// over WebDriver BiDi (Playwright drives only its own patched Firefox builds), headless, with a
// fake camera and microphone and the preferences that keep WebRTC on loopback.
//
// Firefox gathers no ICE candidate on a loopback-only machine (it filters loopback addresses even
// with media.peerconnection.ice.loopback): the tests' network namespace gives it an interface of
// its own holding 127.0.0.3 (see loopback.mjs), from which it reaches the server on 127.0.0.1.
import { existsSync } from 'node:fs';
import puppeteer from 'puppeteer-core';

/** Where Firefox is: $FIREFOX_PATH, else Debian's firefox-esr, else a `firefox` on the usual path. */
export function firefoxPath() {
    const path = [process.env.FIREFOX_PATH, '/usr/bin/firefox-esr', '/usr/bin/firefox'].find(
        (p) => !!p && existsSync(p),
    );
    if (!path) throw new Error('no Firefox: apt-get install firefox-esr, or set FIREFOX_PATH');
    return path;
}

/**
 * Firefox preferences for the tests: fake devices without a permission prompt, autoplay allowed,
 * host candidates as plain addresses (no mDNS names a loopback server cannot resolve), loopback
 * candidates allowed. (A refusing autoplay policy cannot be tested this way: puppeteer runs every
 * evaluate with a user activation, and Firefox then lets the page play with sound.)
 */
export function firefoxPrefs() {
    return {
        'media.navigator.streams.fake': true,
        'media.navigator.permission.disabled': true,
        'media.autoplay.default': 0,
        'media.peerconnection.ice.loopback': true,
        'media.peerconnection.ice.obfuscate_host_addresses': false,
    };
}

/** Launches Firefox headless through WebDriver BiDi. */
export function launchFirefox() {
    return puppeteer.launch({
        browser: 'firefox',
        executablePath: firefoxPath(),
        headless: true,
        extraPrefsFirefox: firefoxPrefs(),
    });
}
