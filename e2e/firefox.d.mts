import type { Browser } from 'puppeteer-core';

/** Where Firefox is: $FIREFOX_PATH, else Debian's firefox-esr, else a `firefox` on the usual path. */
export function firefoxPath(): string;
/** Firefox preferences for the tests: fake devices, autoplay allowed, plain loopback candidates. */
export function firefoxPrefs(): Record<string, unknown>;
/** Launches Firefox headless through WebDriver BiDi. */
export function launchFirefox(): Promise<Browser>;
