// What the stand-in reads from a job message and from the worker channel; bad input names the field.
import { describe, expect, it } from 'vitest';
import { JobMessageError, parseJobMessage, runStandInJob, SCRIPT_VARIABLES } from '../../src/index.js';
import { decodeFrames } from '../../src/stand-in/channel.js';

const message = (over: Record<string, unknown> = {}, vars: Record<string, unknown> = {}): string =>
  JSON.stringify({
    plan: { planId: 'plan-1' }, jobId: 'job-1', requestId: 9001,
    resources: { endpoints: [{ name: 'systemVssConnection', url: 'http://127.0.0.1:1/_jobs/9001/', authorization: { scheme: 'OAuth', parameters: { accessToken: 'jt_x' } } }] },
    variables: { [SCRIPT_VARIABLES.durationMs]: { value: '250' }, [SCRIPT_VARIABLES.conclusion]: { value: 'failed' }, ...vars },
    ...over,
  });

describe('parseJobMessage', () => {
  it('reads the connection case-insensitively, the plan header first, and the scripted variables', () => {
    const job = parseJobMessage(message(), 'plan-from-header');
    expect(job).toMatchObject({ durationMs: 250, conclusion: 'failed', job: { planId: 'plan-from-header', jobId: 'job-1', url: 'http://127.0.0.1:1/_jobs/9001/', token: 'jt_x' } });
    expect(parseJobMessage(message({}, { [SCRIPT_VARIABLES.durationMs]: undefined, [SCRIPT_VARIABLES.conclusion]: undefined }))).toMatchObject({ durationMs: 0, conclusion: 'succeeded' });
  });

  it.each([
    ['not json', 'job message is not JSON'],
    [message({ jobId: undefined }), 'jobId is missing'],
    [message({ plan: {} }), 'plan.planId is missing'],
    [message({ resources: { endpoints: [] } }), 'has no SystemVssConnection'],
    [message({}, { [SCRIPT_VARIABLES.durationMs]: { value: '-1' } }), `variables["${SCRIPT_VARIABLES.durationMs}"]`],
    [message({}, { [SCRIPT_VARIABLES.conclusion]: { value: 'cancelled' } }), 'not one of succeeded'],
  ])('refuses %#, naming the field', (text, fragment) => {
    expect(() => parseJobMessage(text)).toThrow(JobMessageError);
    expect(() => parseJobMessage(text)).toThrow(fragment);
  });

  it('runStandInJob never throws: no job and no JIT config is exit 1 with a reason', async () => {
    await expect(runStandInJob({ payload: '' })).resolves.toMatchObject({ exitCode: 1, completed: false, detail: expect.stringContaining('no JIT config') as unknown });
    await expect(runStandInJob({ payload: '{}', jitConfig: 'not base64!' })).resolves.toMatchObject({ exitCode: 1, detail: expect.stringContaining('JIT config: the config is not base64') as unknown });
  });
});

describe('decodeFrames', () => {
  it('splits type/length/UTF-16LE frames and keeps a partial one for later', () => {
    const frame = (type: number, body: string): Buffer => {
      const b = Buffer.from(body, 'utf16le');
      const h = Buffer.alloc(8);
      h.writeUInt32LE(type, 0);
      h.writeUInt32LE(b.length, 4);
      return Buffer.concat([h, b]);
    };
    const all = Buffer.concat([frame(1, '{"jobId":"é"}'), frame(4, ''), frame(2, 'partial')]);
    const { messages, rest } = decodeFrames(all.subarray(0, all.length - 3));
    expect(messages).toEqual([{ type: 1, body: '{"jobId":"é"}' }, { type: 4, body: '' }]);
    expect(rest.length).toBe(8 + 14 - 3);
  });
});
