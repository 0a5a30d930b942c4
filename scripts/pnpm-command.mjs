// How `pnpm start` calls back into the pnpm that runs it. `npm_execpath` names that pnpm: a JavaScript
// entry runs under node, while newer pnpm releases are a native executable that node cannot load.

/**
 * @param {string} nodePath the running node (`process.execPath`)
 * @param {string | undefined} npmExecpath `process.env.npm_execpath`
 * @param {string[]} args pnpm's arguments
 * @returns {[string, string[]]} the command and its arguments
 */
export function pnpmCommand(nodePath, npmExecpath, args) {
  if (!npmExecpath) return ['pnpm', args];
  return /\.[cm]?js$/.test(npmExecpath) ? [nodePath, [npmExecpath, ...args]] : [npmExecpath, args];
}
