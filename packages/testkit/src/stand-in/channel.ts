// The runner worker's side of the `spawnclient` channel (actions/runner ProcessChannel): messages of a 4-byte
// little-endian type, a 4-byte little-endian body length, the body as UTF-16LE. The first is the job
// (NewJobRequest); later ones (CancelRequest, RunnerShutdown, OperatingSystemShutdown) ask it to stop.
import { Socket } from 'node:net';

/** Message types of the channel. */
export const ChannelMessageType = { NewJobRequest: 1, CancelRequest: 2, RunnerShutdown: 3, OperatingSystemShutdown: 4 } as const;

/** One decoded message. */
export interface ChannelMessage {
  readonly type: number;
  readonly body: string;
}

/** Splits a byte stream into messages; returns the messages and the unconsumed rest. */
export function decodeFrames(buffer: Buffer): { messages: ChannelMessage[]; rest: Buffer } {
  const messages: ChannelMessage[] = [];
  let rest = buffer;
  while (rest.length >= 8 && rest.length >= 8 + rest.readUInt32LE(4)) {
    const length = rest.readUInt32LE(4);
    messages.push({ type: rest.readUInt32LE(0), body: rest.subarray(8, 8 + length).toString('utf16le') });
    rest = rest.subarray(8 + length);
  }
  return { messages, rest };
}

/** Reads the channel on `fd`: resolves the job body; `onStop` is called for a later stop message. */
export function readChannel(fd: number, onStop: (type: number) => void): { job: Promise<string | undefined>; close(): void } {
  const input = new Socket({ fd, readable: true, writable: false });
  let buffered: Buffer = Buffer.alloc(0);
  let resolveJob: (body: string | undefined) => void = () => undefined;
  let seen = false;
  const job = new Promise<string | undefined>((resolve) => (resolveJob = resolve));
  input.on('data', (chunk: Buffer) => {
    const { messages, rest } = decodeFrames(Buffer.concat([buffered, chunk]));
    buffered = rest;
    for (const m of messages) {
      if (!seen && m.type === ChannelMessageType.NewJobRequest) {
        seen = true;
        resolveJob(m.body);
      } else if (m.type !== ChannelMessageType.NewJobRequest) onStop(m.type);
    }
  });
  const end = (): void => {
    if (!seen) resolveJob(undefined);
  };
  input.on('end', end);
  input.on('error', end);
  return { job, close: () => input.destroy() };
}
