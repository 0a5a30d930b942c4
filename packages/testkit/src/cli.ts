#!/usr/bin/env node
// ag-testkit: one subcommand per tool; each entry is a module with a `main(argv)` that resolves when done.

type Main = (argv: string[]) => Promise<number>;

/** Subcommands, loaded lazily so one tool's dependencies never slow another. */
const commands: Record<string, { summary: string; load: () => Promise<Main> }> = {
  apiserver: { summary: 'serve a Kubernetes API on 127.0.0.1 and write a kubeconfig', load: async () => (await import('./apiserver/cli.js')).main },
  github: {
    summary: 'serve a fake GitHub (REST, OAuth, broker, scale sets) with a control API under /_control/',
    load: async () => {
      const { runGitHubCli } = await import('./github/cli.js');
      return async (argv) => {
        await runGitHubCli(argv);
        return 0;
      };
    },
  },
  otlp: { summary: 'serve an OTLP/gRPC trace receiver on 127.0.0.1 and print each span it receives', load: async () => (await import('./otlp/cli.js')).main },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `usage: ag-testkit <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(name && name !== '--help' && name !== '-h' ? `ag-testkit: unknown command "${name}"\n${usage()}` : usage());
    return name && name !== '--help' && name !== '-h' ? 2 : 0;
  }
  return (await command.load())(rest);
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`ag-testkit: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
