import type { Browser } from 'puppeteer-core';

/** Where Firefox is: $FIREFOX_PATH, else Debian's firefox-esr, else a `firefox` on the usual path. */
export function firefoxPath(): string;
/** Firefox preferences for the tests; `autoplay: false` blocks audible autoplay. */
export function firefoxPrefs(options?: { autoplay?: boolean }): Record<string, unknown>;
/** Launches Firefox headless through WebDriver BiDi. */
export function launchFirefox(options?: { autoplay?: boolean }): Promise<Browser>;
