#!/usr/bin/env node
// ag-sandbox: the whole system on this machine (see `ag-sandbox --help`).
import { runSandbox } from './sandbox/main.js';

runSandbox(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`ag-sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
