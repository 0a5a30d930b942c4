import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, loggerOptionsFromZap } from '../../src/index.js';

function sink(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(c: Buffer, _e, done) {
      chunks.push(c.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('logger', () => {
  it('writes the shared JSON shape with string levels, ISO time, component and err', () => {
    const out = sink();
    const log = createLogger({ component: 'gmc', destination: out.stream });
    log.info({ namespace: 'team-a' }, 'reconciled');
    log.error({ err: new Error('boom') }, 'failed');
    log.debug('hidden at info');
    const [first, second] = out.lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out.lines()).toHaveLength(2);
    expect(first).toMatchObject({ level: 'info', component: 'gmc', msg: 'reconciled', namespace: 'team-a' });
    expect(String(first!['time'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(Object.keys(first!).slice(0, 4)).toEqual(['level', 'time', 'component', 'namespace']);
    expect(second).toMatchObject({ level: 'error', err: { type: 'Error', message: 'boom' } });
  });

  it('redacts tokens, private keys, JIT configs and authorization headers', () => {
    const out = sink();
    const log = createLogger({ component: 'agc', destination: out.stream });
    log.info({ token: 'ghs_secret', creds: { privateKey: '-----BEGIN' }, req: { headers: { authorization: 'Bearer x' } }, jitConfig: 'abc' }, 'call');
    const line = out.lines()[0]!;
    expect(line).not.toMatch(/ghs_secret|BEGIN|Bearer x|"abc"/);
    expect(line).toContain('[REDACTED]');
  });

  it('prints zap-style console lines with --zap-devel and logs debug', () => {
    const out = sink();
    const log = createLogger({ component: 'gmc', destination: out.stream, ...loggerOptionsFromZap({ zapDevel: true }) });
    log.debug({ key: 'a/b' }, 'queued');
    expect(out.lines()[0]).toMatch(/^\d{4}-\S+Z\tDEBUG\tgmc\tqueued\t\{"key":"a\/b"\}$/);
  });
});

describe('zap flags', () => {
  it('maps encoder and level flags, explicit flags winning over --zap-devel', () => {
    expect(loggerOptionsFromZap({})).toEqual({ level: 'info', encoder: 'json' });
    expect(loggerOptionsFromZap({ zapDevel: true })).toEqual({ level: 'debug', encoder: 'console' });
    expect(loggerOptionsFromZap({ zapDevel: true, zapEncoder: 'json', zapLogLevel: 'error' })).toEqual({ level: 'error', encoder: 'json' });
    expect(loggerOptionsFromZap({ zapLogLevel: '1' }).level).toBe('debug');
    expect(loggerOptionsFromZap({ zapLogLevel: '3' }).level).toBe('trace');
  });

  it('rejects bad values with the flag name', () => {
    expect(() => loggerOptionsFromZap({ zapEncoder: 'xml' })).toThrow('--zap-encoder: "xml" is not one of json, console');
    expect(() => loggerOptionsFromZap({ zapLogLevel: 'loud' })).toThrow(/--zap-log-level: "loud"/);
    expect(() => loggerOptionsFromZap({ zapLogLevel: '0' })).toThrow(/--zap-log-level/);
  });
});
