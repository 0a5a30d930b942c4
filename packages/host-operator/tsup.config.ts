import { existsSync } from 'node:fs';
import { defineConfig } from 'tsup';

// The agc bin joins the build once its entry exists.
const bins = ['src/gmc.ts', 'src/agc.ts'].filter((f) => existsSync(f));

export default defineConfig({
  entry: ['src/index.ts', ...bins],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  sourcemap: true,
  clean: true,
  target: 'node20',
  tsconfig: '../../tsconfig.build.json',
});
