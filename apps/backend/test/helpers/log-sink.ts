import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

/**
 * Every log line the backend writes during a `jest` run — from in-process stacks and contexts and
 * from backend child processes — is also appended to one file per test worker in the run's log
 * directory (made by global-setup), so global-teardown can check the whole run for phone numbers.
 * Outside a jest run with that setup (no directory), lines are only kept in memory by the caller.
 */
export const LOG_DIR_ENV = 'SAMTAL_TEST_LOG_DIR';

export function sinkLog(text: string): void {
  const dir = process.env[LOG_DIR_ENV];
  if (!dir || !text) return;
  appendFileSync(path.join(dir, `worker-${process.pid}.log`), text.endsWith('\n') ? text : `${text}\n`);
}

/** A stream for `createLogger({ stream })`: each line goes to `onLine` and to the run's sink. */
export function captureStream(onLine: (line: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString();
      sinkLog(text);
      for (const line of text.split('\n')) if (line.trim()) onLine(line);
      cb();
    },
  });
}
