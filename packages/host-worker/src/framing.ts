// The runner's worker IPC framing (Runner.Worker `spawnclient`, actions/runner ProcessChannel): a 4-byte
// little-endian message type, a 4-byte little-endian body length in bytes, then the body as UTF-16LE.

/** Message types of the runner worker channel (actions/runner `MessageType`). */
export const WorkerMessageType = {
  NewJobRequest: 1,
  CancelRequest: 2,
  RunnerShutdown: 3,
  OperatingSystemShutdown: 4,
} as const;

/** The largest body the runner worker accepts (its `StreamString.MaxStringSize`), in bytes. */
export const maxWorkerMessageBytes = 50_000_000;

/** Frames one message for the runner worker's input pipe. */
export function frameWorkerMessage(type: number, body: string): Buffer {
  const encoded = Buffer.from(body, 'utf16le');
  const frame = Buffer.allocUnsafe(8 + encoded.length);
  frame.writeUInt32LE(type, 0);
  frame.writeUInt32LE(encoded.length, 4);
  encoded.copy(frame, 8);
  return frame;
}

/** The NewJobRequest carrying the raw AcquireJob response. */
export const frameNewJobRequest = (payload: string): Buffer => frameWorkerMessage(WorkerMessageType.NewJobRequest, payload);
