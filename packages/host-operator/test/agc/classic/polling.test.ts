// Polling on an injected clock: Retry-After is honoured to the millisecond, sustained 429s raise RateLimited and
// the first good poll clears it; a message that does not parse is counted and survived.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { LABELS, metricValue, startClassicEnv, waitFor, workerPods, type ClassicEnv } from './support/classic-env.js';
import { TestClock } from './support/test-clock.js';

let env: ClassicEnv;
beforeEach(async () => {
  env = await startClassicEnv();
});
afterEach(async () => env.close());

const polls = (status: number) => env.fake.control.requests().filter((r) => r.path.endsWith('/message') && r.status === status).length;
const settle = () => new Promise((r) => setTimeout(r, 150));

it('waits out Retry-After before polling again, raises RateLimited after 10 min of 429s, and clears it on a good poll', async () => {
  const clock = new TestClock();
  const { listener } = await env.startListener({ clock });
  await waitFor(() => listener.activeSessions() === 1, 'a session');
  env.fake.control.inject({ method: 'GET', path: '/_broker/message', action: { status: 429, shape: 'broker', message: 'Too many requests', retryAfter: { seconds: 60 } }, always: true });
  await waitFor(() => polls(429) === 1, 'the first 429');
  await waitFor(() => clock.pending().includes(60_000), 'the session waiting for Retry-After');

  // No call before Retry-After expires…
  await clock.advance(59_999);
  await settle();
  expect(polls(429)).toBe(1);
  // …and the next one right after.
  await clock.advance(1);
  await waitFor(() => polls(429) === 2, 'the second poll once Retry-After passed');

  const rateLimited = () => listener.conditions().find((c) => c.type === 'RateLimited');
  for (let n = 3; n <= 11; n++) {
    expect(rateLimited()?.status).not.toBe('True');
    await waitFor(() => clock.pending().includes(60_000), 'the session waiting for Retry-After');
    await clock.advance(60_000);
    await waitFor(() => polls(429) === n, `429 number ${n}`);
  }
  // The 11th 429 came 10 min after the first.
  await waitFor(() => rateLimited()?.status === 'True', 'RateLimited=True');
  expect(rateLimited()).toMatchObject({ reason: 'SustainedRateLimit' });
  expect(await metricValue(env.metrics, 'actions_gateway_message_poll_errors_total', { namespace: 'ci', reason: 'rate_limited' })).toBe(11);

  env.fake.control.clearFaults();
  await waitFor(() => clock.pending().includes(60_000), 'the session waiting for Retry-After');
  await clock.advance(60_000);
  await waitFor(() => rateLimited()?.status === 'False', 'RateLimited cleared by a good poll');
  expect(rateLimited()).toMatchObject({ reason: 'RateLimitCleared' });
  expect(listener.activeSessions()).toBe(1);
});

it('counts a message that does not parse, backs off, and goes on to run the next job', async () => {
  const clock = new TestClock();
  const { listener } = await env.startListener({ clock });
  const session = await waitFor(() => env.fake.control.sessions().find((s) => s.status === 'active'), 'a session');
  env.fake.control.pushMessage(session.sessionId, { messageType: 'RunnerJobRequest', body: '{"runner_request_id": "1", "run_service_url"' });
  await waitFor(async () => (await metricValue(env.metrics, 'actions_gateway_message_poll_errors_total', { namespace: 'ci', reason: 'other' })) === 1, 'the bad message counted');
  // The session backs off (15–30 s) rather than spinning, then polls on.
  const backoff = await waitFor(() => clock.pending().find((ms) => ms >= 15_000 && ms <= 30_000), 'the two-tier back-off');
  env.fake.control.pushMessage(session.sessionId, { messageType: 'RunnerJobRequest', body: JSON.stringify({ run_service_url: 'http://127.0.0.1:1/' }) });
  await clock.advance(backoff);
  await waitFor(async () => (await metricValue(env.metrics, 'actions_gateway_message_poll_errors_total', { reason: 'other' })) === 2, 'the message without a request id counted');
  expect(env.logger.lines.some((l) => l.includes('runner_request_id'))).toBe(true);

  const job = env.fake.control.enqueueJob({ repo: 'acme/app', labels: LABELS, durationMs: 100 });
  await waitFor(() => clock.pending().find((ms) => ms >= 15_000 && ms <= 60_000), 'the back-off');
  await clock.advance(60_000);
  await waitFor(async () => (await workerPods(env)).some((p) => p.name.includes(job.planId.slice(0, 8))), 'the next job\'s pod');
  expect(env.fake.control.job(job.requestId)?.timesAcquired).toBe(1);
  expect(listener.activeLoops()).toBe(1);
});
