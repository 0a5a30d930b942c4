import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { observed, runOneJob } from './readme-example.js';

describe('README: embedding the provisioner', () => {
  it('the README shows this very example', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
    expect(readme).toContain(example.trim());
  });

  it('runs a job on third-party ports', async () => {
    const payload = JSON.stringify({ run_id: 1, variables: { 'system.github.repository': { value: 'octo/widgets' } } });
    expect(await runOneJob('plan-1', payload)).toBe('finished (room for 10 before this job)');
    expect(observed.some((o) => o.startsWith('job_duration_seconds{runner_group="linux"}'))).toBe(true);
    expect(observed).toContain('worker_pods_reaped_total{reason="completed_ttl"}');
  });
});
