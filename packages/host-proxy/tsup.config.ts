import { defineConfig } from 'tsup';

// The bin bundles the workspace's own packages from source (the `source` condition), so
// `pnpm --filter @actions-gateway/proxy build` works without building @actions-gateway/metrics first and
// dist/main.js runs on its own; npm dependencies (pino, prom-client) stay external.
export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts', compilerOptions: { customConditions: ['source'] } },
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: '../../tsconfig.build.json',
  noExternal: [/^@actions-gateway\//],
  esbuildOptions(options) {
    options.conditions = ['source'];
  },
});
