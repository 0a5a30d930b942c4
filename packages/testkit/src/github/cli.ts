// `ag-testkit github [--port N] [--https] [--profile fast|production] [--hold-ms N] [--lenient]`:
// prints `ready <url>` and serves until SIGTERM/SIGINT. The control API is under /_control/.
import { startFakeGitHub, type FakeGitHubOptions } from './server.js';

function parseArgs(argv: readonly string[]): FakeGitHubOptions & { caOut?: string } {
  const opts: FakeGitHubOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') {
      const port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535`);
      opts.port = port;
    } else if (a === '--https') opts.https = true;
    else if (a === '--profile') {
      const p = value();
      if (p !== 'fast' && p !== 'production') throw new Error(`--profile must be fast or production, got ${p}`);
      opts.profile = p;
    } else if (a === '--hold-ms') opts.holdMs = Number(value());
    else if (a === '--lenient') opts.strict = false;
    else if (a === '--encrypt') opts.encryptMessages = true;
    else throw new Error(`unknown argument ${a} (usage: ag-testkit github [--port N] [--https] [--profile fast|production] [--hold-ms N] [--lenient] [--encrypt])`);
  }
  return opts;
}

/** Runs the fake GitHub until SIGTERM or SIGINT. With --https the CA PEM is printed after the ready line as `ca <base64 PEM>`. */
export async function runGitHubCli(argv: readonly string[]): Promise<void> {
  const fake = await startFakeGitHub(parseArgs(argv));
  process.stdout.write(`ready ${fake.url}\n`);
  if (fake.caPem) process.stdout.write(`ca ${Buffer.from(fake.caPem).toString('base64')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await fake.close();
}
