import type { Browser } from 'playwright-core';

/** Chromium flags that work headless on CI machines; `autoplay: false` drops the autoplay flag. */
export function chromiumArgs(options?: { autoplay?: boolean }): string[];
/** Launches Chromium: Debian's build when present, else Playwright's own. */
export function launchChromium(options?: { autoplay?: boolean }): Promise<Browser>;
