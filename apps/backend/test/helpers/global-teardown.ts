import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { findPhoneLeaks } from '../drills/support/log-guard';
import { LOG_DIR_ENV } from './log-sink';

/**
 * Once per `jest` run, after every test file: no phone number in any log line of the whole run.
 * Each test file checks its own logs where it can; this is the net under all of them — every
 * in-process stack/context logger and every backend child process wrote here (see log-sink.ts).
 * A leak fails the run, naming the line.
 */
export default async function globalTeardown(): Promise<void> {
  const dir = process.env[LOG_DIR_ENV];
  if (!dir) return;
  let lines = 0;
  const files = readdirSync(dir);
  const leaks: ReturnType<typeof findPhoneLeaks> = [];
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8').split('\n');
    lines += text.length;
    leaks.push(...findPhoneLeaks(text));
  }
  rmSync(dir, { recursive: true, force: true });
  if (leaks.length > 0) {
    throw new Error(
      `log guard: ${leaks.length} of ${lines} log lines of this run carry a phone number:\n${leaks
        .slice(0, 20)
        .map((l) => `  [${l.pattern}] ${l.line}`)
        .join('\n')}`,
    );
  }
  process.stdout.write(`log guard: ${lines} log lines from ${files.length} test workers, no phone number\n`);
}
