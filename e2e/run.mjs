#!/usr/bin/env node
// Runs the end-to-end suite (vitest + Playwright-driven Chromium against the reference server),
// inside a loopback-only network namespace where the platform allows it (see loopback.mjs).
import { spawnSync } from 'node:child_process';
import { ensureLoopbackOnly } from './loopback.mjs';

ensureLoopbackOnly('e2e');
const result = spawnSync(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', '--config', 'e2e/vitest.config.ts', ...process.argv.slice(2)],
    { stdio: 'inherit' },
);
if (result.error) throw result.error;
process.exit(result.status ?? 1);
