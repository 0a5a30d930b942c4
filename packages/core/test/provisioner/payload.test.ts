import { describe, expect, it } from 'vitest';
import { readJobRun } from '../../src/index.js';

describe('readJobRun', () => {
  it.each<[string, string, object]>([
    ['variables', JSON.stringify({ variables: { 'system.github.run_id': { value: '123' }, 'system.github.repository': { value: 'octo/widgets' } } }), { ok: true, run: { runId: '123', owner: 'octo', repo: 'widgets' } }],
    ['top-level run_id', JSON.stringify({ run_id: 99, variables: { 'system.github.repository': { value: 'o/r.js' } } }), { ok: true, run: { runId: '99', owner: 'o', repo: 'r.js' } }],
    ['not JSON', '{"variables":', { ok: false, problem: 'malformed_json' }],
    ['not an object', '"text"', { ok: false, problem: 'malformed_json' }],
    ['no run id', JSON.stringify({ variables: { 'system.github.repository': { value: 'o/r' } } }), { ok: false, problem: 'missing_run_id' }],
    ['run id not a number', JSON.stringify({ run_id: '12; rm -rf', variables: { 'system.github.repository': { value: 'o/r' } } }), { ok: false, problem: 'invalid_run_id' }],
    ['run id an object', JSON.stringify({ run_id: { a: 1 } }), { ok: false, problem: 'invalid_run_id' }],
    ['no repository', JSON.stringify({ run_id: 1 }), { ok: false, problem: 'missing_repository' }],
    ['path traversal in repository', JSON.stringify({ run_id: 1, variables: { 'system.github.repository': { value: '../../etc' } } }), { ok: false, problem: 'invalid_repository' }],
    ['three parts', JSON.stringify({ run_id: 1, variables: { 'system.github.repository': { value: 'a/b/c' } } }), { ok: false, problem: 'invalid_repository' }],
  ])('%s', (_name, payload, expected) => {
    expect(readJobRun(payload)).toMatchObject(expected);
  });
});
