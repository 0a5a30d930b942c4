// The wrapper's pure parts: framing, JIT-config decoding, configuration and exit-code mapping.
import { describe, expect, it } from 'vitest';
import {
  decodeJitConfig,
  exitCodeFor,
  frameNewJobRequest,
  frameWorkerMessage,
  readWrapperConfig,
  WorkerMessageType,
  WrapperError,
} from '../src/index.js';
import { encodeJitConfig, runnerFiles } from './support.js';

describe('frameNewJobRequest', () => {
  it('is type 1 LE, the body’s byte length LE, then the body as UTF-16LE', () => {
    const frame = frameNewJobRequest('{"a":"é𝄞"}');
    expect(frame.readUInt32LE(0)).toBe(1);
    expect(frame.readUInt32LE(4)).toBe(frame.length - 8);
    expect(frame.length - 8).toBe(2 * '{"a":"é𝄞"}'.length);
    expect(frame.subarray(8).toString('utf16le')).toBe('{"a":"é𝄞"}');
    expect([...frame.subarray(0, 10)]).toEqual([1, 0, 0, 0, 22, 0, 0, 0, 0x7b, 0]);
  });
});

describe('frameWorkerMessage', () => {
  it('frames an empty shutdown message as a bare header', () => {
    expect([...frameWorkerMessage(WorkerMessageType.OperatingSystemShutdown, '')]).toEqual([4, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('decodeJitConfig', () => {
  it('keeps the three runner files and reports other names', () => {
    const { files, ignored } = decodeJitConfig(encodeJitConfig({ ...runnerFiles, other: 'x' }), 'jitconfig');
    expect([...files.keys()].sort()).toEqual(['.credentials', '.credentials_rsaparams', '.runner']);
    expect(files.get('.runner')?.toString()).toBe(runnerFiles['.runner']);
    expect(ignored).toEqual(['other']);
  });

  it('rejects what is not base64 of a {name: base64} object, naming the source', () => {
    expect(() => decodeJitConfig('%%%', '/x/jitconfig')).toThrow(new WrapperError('/x/jitconfig is not valid base64'));
    expect(() => decodeJitConfig(Buffer.from('[1]').toString('base64'), '/x/jitconfig')).toThrow(/not decode to a \{name: base64\} object/);
    expect(() => decodeJitConfig(Buffer.from('{"a":').toString('base64'), '/x/jitconfig')).toThrow(/does not decode to JSON/);
  });
});

describe('readWrapperConfig', () => {
  it('has the pod defaults', () => {
    expect(readWrapperConfig({})).toEqual({
      payloadDir: '/run/secrets/job-payload',
      runnerHome: '/home/runner',
      proxyCaPath: undefined,
      workerPath: 'Runner.Worker',
      graceMs: 25_000,
      logLevel: 'info',
      warnings: [],
    });
  });

  it('reads every variable and treats empty values as unset', () => {
    const config = readWrapperConfig({
      PAYLOAD_SECRET_PATH: '/p',
      RUNNER_HOME_DIR: '/h',
      PROXY_CA_CERT_PATH: '',
      RUNNER_WORKER_PATH: '/bin/w',
      WORKER_GRACE_SECONDS: '2.5',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config).toMatchObject({ payloadDir: '/p', runnerHome: '/h', proxyCaPath: undefined, workerPath: '/bin/w', graceMs: 2500, logLevel: 'debug' });
    expect(readWrapperConfig({ WORKER_GRACE_SECONDS: '-1' }).warnings).toHaveLength(1);
  });
});

describe('exitCodeFor', () => {
  it('is the code (Runner.Worker’s success codes 100/101 as 0), or 128 + the signal number', () => {
    expect(exitCodeFor({ code: 0, signal: null })).toBe(0);
    expect(exitCodeFor({ code: 42, signal: null })).toBe(42);
    expect(exitCodeFor({ code: 100, signal: null })).toBe(0);
    expect(exitCodeFor({ code: 101, signal: null })).toBe(0);
    expect(exitCodeFor({ code: 103, signal: null })).toBe(103);
    expect(exitCodeFor({ code: null, signal: 'SIGKILL' })).toBe(137);
    expect(exitCodeFor({ code: null, signal: 'SIGTERM' })).toBe(143);
  });
});
