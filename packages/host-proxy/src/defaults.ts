// The default destination allowlist: what a GitHub Actions runner needs to reach, and nothing else.
// The README lists why each entry is there; keep the two in step.

/** Host patterns allowed when `--allow-hosts` is not given. */
export const defaultAllowHosts: readonly string[] = [
  'github.com',
  'api.github.com',
  '*.actions.githubusercontent.com',
  'codeload.github.com',
  'objects.githubusercontent.com',
  'objects-origin.githubusercontent.com',
  'github-releases.githubusercontent.com',
  'release-assets.githubusercontent.com',
  'github-registry-files.githubusercontent.com',
  '*.blob.core.windows.net',
  'ghcr.io',
  'pkg-containers.githubusercontent.com',
  '*.pkg.github.com',
];

/** Ports allowed when `--allow-ports` is not given. */
export const defaultAllowPorts: readonly number[] = [443];
