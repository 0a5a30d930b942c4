#!/usr/bin/env node
// `worker-wrapper`: PID 1 of a worker pod. Configuration is the environment (see the README).
import { readWrapperConfig } from './config.js';
import { createWrapperLogger } from './logging.js';
import { runWrapper } from './wrapper.js';

const config = readWrapperConfig(process.env);
const logger = createWrapperLogger(config.logLevel);
const code = await runWrapper(config, { logger });
process.exit(code);
