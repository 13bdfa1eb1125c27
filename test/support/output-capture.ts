/**
 * Captures what the process writes to standard output and standard error, where the Lambda
 * functions loaded by the local gateway and the local store write their JSON log lines.
 * The captured text is not passed on, so the test output stays quiet.
 */
export interface OutputCapture {
  /** Every chunk written since the capture started, in order. */
  chunks: string[];
  /** Puts the original write functions back. Calling it twice is harmless. */
  restore(): void;
}

export function captureProcessOutput(): OutputCapture {
  const originalStdout = process.stdout.write;
  const originalStderr = process.stderr.write;
  const chunks: string[] = [];

  const keep = (chunk: unknown): boolean => {
    chunks.push(typeof chunk === 'string' ? chunk : new TextDecoder().decode(chunk as Uint8Array));
    return true;
  };
  process.stdout.write = keep as typeof process.stdout.write;
  process.stderr.write = keep as typeof process.stderr.write;

  return {
    chunks,
    restore: () => {
      process.stdout.write = originalStdout;
      process.stderr.write = originalStderr;
    },
  };
}
