/** The command and arguments that run pnpm `args` with the pnpm named by `npmExecpath` (see pnpm-command.mjs). */
export function pnpmCommand(nodePath: string, npmExecpath: string | undefined, args: string[]): [string, string[]];
