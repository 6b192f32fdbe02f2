/**
 * The per-browser lifecycle of a `describe.each(BROWSERS)` block, kept apart from harness.ts
 * (which the benchmarks import too) because it registers vitest hooks.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
    installPageHelpers,
    launchTestBrowser,
    openTab,
    releaseTab,
    type BrowserName,
    type CheckedTab,
    type RefServer,
    type TestBrowser,
} from './harness';

/**
 * Launches browser `name` before the block's tests and closes it after them; every tab a test
 * opens with `newTab()` is released after that test ({@link releaseTab}: nothing left running,
 * no page error but those matching `allow`).
 *
 * @param server - the suite's server (read when a tab opens: it starts in a `beforeAll`).
 */
export function browserSuite(name: BrowserName, server: () => RefServer, allow: RegExp[] = []) {
    let browser: TestBrowser | undefined;
    const tabs: CheckedTab[] = [];
    beforeAll(async () => {
        browser = await launchTestBrowser(name);
    });
    afterAll(async () => {
        await browser?.close();
    });
    afterEach(async () => {
        for (const tab of tabs.splice(0)) await releaseTab(tab, allow);
    });
    return {
        /** A tab of the SDK test page on `on` (default: the suite's server), with the page helpers. */
        async newTab(on: RefServer = server()): Promise<CheckedTab> {
            if (!browser) throw new Error(`newTab: ${name} is not launched (call it from a test)`);
            const tab = await openTab(browser, on);
            tabs.push(tab);
            await installPageHelpers(tab.page);
            return tab;
        },
    };
}
