import postgres from 'postgres';
import { createTestDatabase, type TestDb } from '../helpers/pg';
import { createTcpProxy, type TcpProxy } from './support/tcp-proxy';

/**
 * Regression test of our patch to postgres.js 3.4.9 (patches/postgres+3.4.9.patch, applied by
 * `npm ci`'s postinstall): a query handed to a pooled connection after its socket errored but
 * before it closed sat in the connection's queue and never settled — a worker waited forever.
 * Found by the Postgres-cut drill. With the patch it is rejected, and the pool recovers.
 * And: a connection closed while a write was scheduled kept the cleared timer's handle, so the
 * startup message of its next connection was never sent (CONNECT_TIMEOUT, again and again).
 */

const settle = <T>(p: Promise<T>, ms = 5_000) =>
  Promise.race([p.then(() => 'resolved', (e: { code?: string }) => `rejected ${e.code ?? 'error'}`), new Promise<string>((r) => setTimeout(() => r('hung'), ms))]);

describe('postgres.js under a connection cut (patched driver)', () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let armed = false;

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.url);
    proxy = await createTcpProxy({
      target: { host: url.hostname, port: Number(url.port || 5432) },
      onUpstreamData: (chunk) => {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the binary CommandComplete message of a COMMIT
        if (armed && /C\0\0\0\x0bCOMMIT\0/.test(chunk.toString('latin1'))) {
          armed = false;
          proxy.refuse();
          setTimeout(() => proxy.accept(), 400);
          proxy.cut();
        }
      },
    });
  });

  afterAll(async () => {
    await proxy?.close();
    await db?.drop();
  });

  it.each([1, 2, 3])('round %i: COMMIT answer cut, new connections refused for 400 ms: every query settles, then the pool works again', async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const sql = postgres(url.toString(), { max: 2, prepare: false, connect_timeout: 5, onnotice: () => {} });
    try {
      await sql`create table if not exists t_cut (a int)`;
      await Promise.all([sql`select pg_sleep(0.02)`, sql`select pg_sleep(0.02)`]); // both connections open
      armed = true;
      const tx = sql.begin(async (t) => {
        await t`insert into t_cut values (1)`;
      });
      expect(await settle(tx)).toMatch(/^rejected/);
      // Issued at once, while the cut connections are still being torn down: these were the lost ones.
      expect(await settle(sql`select 1`)).not.toBe('hung');
      expect(await settle(sql`select 2`)).not.toBe('hung');
      await new Promise((r) => setTimeout(r, 500));
      expect(await settle(sql`select 3 as x`)).toBe('resolved');
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 180_000);

  it('a query written just as its socket resets: the connection still reconnects (its startup message is flushed)', async () => {
    const url = new URL(db.url);
    url.port = String(proxy.port);
    const sql = postgres(url.toString(), { max: 1, prepare: false, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      const tx = sql.begin(async (t) => {
        await t`select 1`;
        proxy.cut(); // the reset reaches the socket while the next query's write is still scheduled
        await t`select 2`;
      });
      expect(await settle(tx)).toMatch(/^rejected/);
      // The one connection must come back: unpatched, its startup message sat unflushed behind the
      // dead socket's cleared write timer, and every later query failed with CONNECT_TIMEOUT.
      expect(await settle(sql`select 3 as x`, 4_000)).toBe('resolved');
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 180_000);
});
