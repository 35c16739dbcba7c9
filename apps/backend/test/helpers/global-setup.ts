import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LOG_DIR_ENV } from './log-sink';
import { fastCheckSeed } from './fast-check-seed';
import { ensureTemplate } from './pg';

/**
 * Once per `jest` run: the migrated template database every test file clones, and the directory
 * every log line of the run is collected in (checked by global-teardown). Test workers start after
 * this and inherit the variable.
 */
export default async function globalSetup(): Promise<void> {
  process.env[LOG_DIR_ENV] = mkdtempSync(path.join(os.tmpdir(), 'samtal-test-logs-'));
  await ensureTemplate();
  process.stdout.write(`fast-check seed ${fastCheckSeed()} (set FC_SEED to change it)\n`);
}
