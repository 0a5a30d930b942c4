// `ag-testkit apiserver --kubeconfig PATH [--port N] [--https]`: serve until SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import { startApiServer } from './server.js';

const help = `usage: ag-testkit apiserver --kubeconfig PATH [--port N] [--https] [--no-kubelet]

Serves a Kubernetes API on 127.0.0.1, writes a kubeconfig for it to PATH, prints "ready <url>"
on stdout and serves until SIGTERM or SIGINT.
`;

/** Runs the subcommand; resolves with the exit code once the server has stopped. */
export async function main(argv: string[]): Promise<number> {
  let values: { kubeconfig?: string; port?: string; https?: boolean; 'no-kubelet'?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { kubeconfig: { type: 'string' }, port: { type: 'string' }, https: { type: 'boolean' }, 'no-kubelet': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`ag-testkit apiserver: ${(e as Error).message}\n${help}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  if (!values.kubeconfig) {
    process.stderr.write(`ag-testkit apiserver: --kubeconfig PATH is required\n${help}`);
    return 2;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`ag-testkit apiserver: --port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const server = await startApiServer({ port, https: values.https ?? false, ...(values['no-kubelet'] ? { kubelet: false as const } : {}) });
  server.writeKubeconfig(values.kubeconfig);
  process.stdout.write(`ready ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await server.close();
  return 0;
}
