import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/stand-in-runner.ts', 'src/sandbox.ts', 'src/parent-watch.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: '../../tsconfig.build.json',
});
