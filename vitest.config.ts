import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // A worker keeps its module cache from one file to the next instead of a fresh process per file: the
    // Kubernetes client, OpenTelemetry and the workspace sources load once per worker, not once per file
    // (that loading was about a third of the suite's time). Test files still run afresh; a file that
    // changes process-wide state (a global tracer provider or context manager) restores it when done.
    // Workers stay at vitest's default (cores - 1: one on CI's 2 cores): two workers were faster but the
    // process-spawning tests timed out with the box at load 20; try `vitest run --maxWorkers=2` locally.
    isolate: false,
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
  },
});
