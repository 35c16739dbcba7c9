import type { Express } from 'express';
import type { Config } from '../../src/config';
import { createDeps, type Deps } from '../../src/deps';
import { buildApp } from '../../src/http/app';
import { createLogger } from '../../src/observability/logger';
import { captureStream } from './log-sink';
import { testConfig } from './env';
import { createTestDatabase, type TestDb } from './pg';
import { dropPrefix, uniquePrefix } from './redis';

export type TestContext = {
  config: Config;
  deps: Deps;
  app: Express;
  db: TestDb;
  /** Every JSON log line written during the test, parsed. */
  logs: Record<string, unknown>[];
  close: () => Promise<void>;
};

/** A migrated database, a Redis prefix, deps and the app — the same graph main.ts builds. */
export async function createTestContext(
  overrides: Record<string, string | undefined> = {},
  opts: { clock?: () => Date } = {},
): Promise<TestContext> {
  const db = await createTestDatabase();
  const prefix = uniquePrefix();
  const config = testConfig({ DATABASE_URL: db.url, REDIS_PREFIX: prefix, ...overrides });
  const logs: Record<string, unknown>[] = [];
  const stream = captureStream((line) => logs.push(JSON.parse(line)));
  const log = createLogger({ level: 'debug', stream });
  const { deps, close } = createDeps(config, { log, clock: opts.clock });
  const app = buildApp(deps);
  return {
    config,
    deps,
    app,
    db,
    logs,
    close: async () => {
      await close();
      await dropPrefix(prefix);
      await db.drop();
    },
  };
}
