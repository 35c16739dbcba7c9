/**
 * `npm run purge`: runs the retention purge once (what the daily schedule runs) against
 * DATABASE_URL / REDIS_URL and prints the count per table and the rate. Exit 0 when it ran or
 * another instance was running it, 1 on failure, 2 on a bad configuration.
 */
import { type Config, ConfigError, loadConfig, loadEnvFile } from '../config';
import { createDeps } from '../deps';
import { runPurge } from '../retention/purge';

function config(): Config {
  try {
    loadEnvFile();
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`purge: cannot start, ${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<number> {
  const { deps, close } = createDeps(config());
  try {
    const result = await runPurge(deps);
    if (result.skipped) {
      process.stdout.write('purge: skipped, another instance holds the purge lock\n');
      return 0;
    }
    const width = Math.max(...Object.keys(result.counts).map((t) => t.length));
    for (const [table, n] of Object.entries(result.counts)) {
      const what = table === 'customer_verifications' ? 'phone numbers removed' : 'rows deleted';
      process.stdout.write(`purge: ${table.padEnd(width)} ${String(n).padStart(9)} ${what}\n`);
    }
    const rows = Object.values(result.counts).reduce((a, b) => a + b, 0);
    const seconds = result.durationMs / 1000;
    const rate = seconds > 0 ? Math.round(rows / seconds) : 0;
    process.stdout.write(`purge: redis keys deleted ${result.redisKeys}\n`);
    process.stdout.write(`purge: ${rows} rows in ${seconds.toFixed(2)} s (${rate} rows/s)\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`purge: failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await close();
  }
}

main().then((code) => process.exit(code));
