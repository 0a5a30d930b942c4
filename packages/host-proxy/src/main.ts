#!/usr/bin/env node
// The `egress-proxy` bin: flags → config, the logger and metrics, the proxy, the ready line and signals.
import { readFileSync, writeSync } from 'node:fs';
import { createMetrics } from '@actions-gateway/metrics';
import { helpText, loadConfig, type CliConfig } from './config.js';
import { createProxyLogger } from './logging.js';
import { startEgressProxy, type BoundAddress } from './server.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const formatAddress = (a: BoundAddress): string => (a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

async function main(): Promise<void> {
  let config: CliConfig | 'help';
  try {
    config = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`egress-proxy: ${(err as Error).message.split('\n')[0]}\n`);
    process.exit(1);
  }
  if (config === 'help') {
    process.stdout.write(`${helpText()}\n`);
    return;
  }
  const logger = createProxyLogger(config.logLevel);
  const exit = (code: number): void => logger.flush(() => process.exit(code));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    exit(1);
  });
  const metrics = createMetrics('proxy', { buildInfo: { version: version(), component: 'egress-proxy' } });
  let proxy;
  try {
    proxy = await startEgressProxy(config.proxy, { logger, metrics });
  } catch (err) {
    logger.error({ err }, 'cannot listen');
    exit(1);
    return;
  }
  // The first stdout line, written synchronously before any log line: the sandbox and scripts read it.
  writeSync(1, `ready ${formatAddress(proxy.address)}\n`);
  logger.info(
    { address: formatAddress(proxy.address), health: formatAddress(proxy.healthAddress), tls: Boolean(config.proxy.tls) },
    'egress proxy listening',
  );
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: closing now');
      proxy.close().then(() => exit(0), () => exit(1));
      return;
    }
    signalled = true;
    logger.info({ signal }, 'signal received: draining');
    proxy.drain().then(() => exit(0), () => exit(1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

void main();
