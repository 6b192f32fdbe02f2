import { defineConfig } from 'vitest/config';

// End-to-end tests: one file at a time (2-core machines), generous timeouts for real media.
export default defineConfig({
    test: {
        include: ['e2e/**/*.e2e.ts'],
        environment: 'node',
        fileParallelism: false,
        testTimeout: 60_000,
        hookTimeout: 60_000,
        reporters: ['default'],
    },
});
