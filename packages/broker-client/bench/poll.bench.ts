// Cost of one empty long-poll through ClassicBrokerSession (gate, deadlines, size cap, classification) beside
// a bare undici request to the same loopback server answering 202 at once. The pacing floor is set to 0 here
// so the figure is client overhead, not the 100 ms floor.
import { request } from 'undici';
import { ClassicBrokerSession, decodeJitConfig, systemClock } from '@actions-gateway/broker-client';
import { median, percentile, writeBenchResult } from '../../../scripts/bench-support.js';
import { startScriptedBroker } from '../test/support/scripted-broker.js';

const ROUNDS = 2_000;
const broker = await startScriptedBroker(systemClock);
const session = await ClassicBrokerSession.create({ jit: decodeJitConfig(broker.jit), runnerVersion: '2.330.0', minPollIntervalMs: 0 });

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 200; i++) await fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  return samples;
}

const url = `${broker.url}/broker/message?sessionId=x`;
const client = await time(() => session.getMessage());
const bare = await time(async () => {
  const res = await request(url, { headers: { authorization: 'Bearer x' } });
  await res.body.text();
});
await session.close();
await broker.close();

const result = {
  rounds: ROUNDS,
  clientMedianUs: median(client),
  clientP99Us: percentile(client, 0.99),
  bareUndiciMedianUs: median(bare),
  bareUndiciP99Us: percentile(bare, 0.99),
  ratio: median(client) / median(bare),
};
console.log(`empty poll, median: broker-client ${result.clientMedianUs.toFixed(0)} µs vs bare undici ${result.bareUndiciMedianUs.toFixed(0)} µs (×${result.ratio.toFixed(2)}); p99 ${result.clientP99Us.toFixed(0)} vs ${result.bareUndiciP99Us.toFixed(0)} µs`);
writeBenchResult('broker-client-poll', result);
