// All four host processes promise one JSON log shape (the seed's "one JSON shape per process stream") and
// no secret in any line. Each host builds its own pino logger (the package boundaries allow no shared
// module between them), so this test holds them to the same shape with planted secrets.
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@actions-gateway/operator';
import { createProxyLogger } from '@actions-gateway/proxy';
import { createWrapperLogger } from '@actions-gateway/worker';

function capture(): { stream: Writable & { lines: () => Record<string, unknown>[] } } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString('utf8');
      done();
    },
  }) as Writable & { lines: () => Record<string, unknown>[] };
  stream.lines = () => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream };
}

const planted = {
  token: 'ghs_plantedInstallationToken',
  authorization: 'Bearer plantedBearer',
  privateKey: '-----BEGIN RSA PRIVATE KEY-----planted',
  jitConfig: 'eyJwbGFudGVkIjoiaml0In0=',
};

const hosts: Array<[string, (out: Writable) => { info: (o: object, m: string) => void; flush?: () => void }]> = [
  ['gmc', (out) => createLogger({ component: 'gmc', level: 'info', destination: out })],
  ['agc', (out) => createLogger({ component: 'agc', level: 'info', destination: out })],
  ['egress-proxy', (out) => createProxyLogger('info', out)],
  ['worker-wrapper', (out) => createWrapperLogger('info', out)],
];

describe('one log shape across the host processes', () => {
  for (const [component, make] of hosts) {
    it(`${component} writes level, time, component, msg and err, and no planted secret`, async () => {
      const { stream } = capture();
      const logger = make(stream);
      logger.info({ ...planted, attempt: 2, err: new Error('boom') }, 'hello');
      await new Promise((resolve) => setImmediate(resolve));
      const [line] = stream.lines();
      expect(line).toBeDefined();
      expect(line).toMatchObject({ level: 'info', component, msg: 'hello', attempt: 2 });
      expect(new Date(String(line!.time)).toISOString()).toBe(line!.time);
      expect(line!.err).toMatchObject({ type: 'Error', message: 'boom' });
      const text = JSON.stringify(line);
      for (const secret of Object.values(planted)) expect(text).not.toContain(secret);
      expect(line!.token).toBe('[REDACTED]');
    });
  }
});
