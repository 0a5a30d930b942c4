/**
 * A failure of the wrapper itself (as opposed to the job): bad staged input, a runner worker that cannot be
 * started. Its message names the file or variable at fault and never carries secret content.
 */
export class WrapperError extends Error {
  override readonly name = 'WrapperError';
}
