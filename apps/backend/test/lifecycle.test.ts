import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { closeServer, shutdown } from '../src/lifecycle';
import { createLogger } from '../src/observability/logger';
import { testEnv } from './helpers/env';
import { sinkLog } from './helpers/log-sink';
import { createTestDatabase, type TestDb } from './helpers/pg';
import { dropPrefix, uniquePrefix } from './helpers/redis';

const silent = createLogger({ level: 'error', silent: true });

describe('graceful shutdown', () => {
  it('lets an in-flight request finish, refuses new connections, then runs the later steps', async () => {
    let release: () => void = () => {};
    const app = express().get('/slow', async (_req, res) => {
      await new Promise<void>((r) => {
        release = r;
      });
      res.json({ done: true });
    });
    const server = app.listen(0);
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as AddressInfo;
    const inflight = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.json());
    await new Promise((r) => setTimeout(r, 50));

    const order: string[] = [];
    const stopping = shutdown(
      [
        { name: 'http', stop: () => closeServer(server).then(() => void order.push('http')) },
        { name: 'clients', stop: async () => void order.push('clients') },
      ],
      5_000,
      silent,
    );
    await new Promise((r) => setTimeout(r, 50));
    await expect(fetch(`http://127.0.0.1:${port}/slow`)).rejects.toThrow();
    expect(order).toEqual([]);
    release();
    await expect(inflight).resolves.toEqual({ done: true });
    await expect(stopping).resolves.toBe(true);
    expect(order).toEqual(['http', 'clients']);
  });

  it('gives up at the deadline', async () => {
    const never = new Promise<void>(() => {});
    await expect(shutdown([{ name: 'stuck', stop: () => never }], 100, silent)).resolves.toBe(false);
  });

  describe('the real process', () => {
    let db: TestDb;
    let child: ChildProcess | undefined;
    const prefix = uniquePrefix();
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      child?.kill('SIGKILL');
      await dropPrefix(prefix);
      await db.drop();
    });

    it('starts with ROLE=all, serves /ready, and exits 0 on SIGTERM', async () => {
      const tsx = require.resolve('tsx/cli');
      const env = testEnv({ ROLE: 'all', PORT: '0', DATABASE_URL: db.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
      child = spawn(process.execPath, [tsx, path.join(__dirname, '../src/main.ts')], {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no listening line: ${out}`)), 20_000);
        child!.stdout!.on('data', (c: Buffer) => {
          out += c.toString();
          sinkLog(c.toString());
          const m = /"message":"api listening".*?"port":(\d+)|"port":(\d+).*?"message":"api listening"/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(Number(m[1] ?? m[2]));
          }
        });
      });
      const ready = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(ready.status).toBe(200);
      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(out).toMatch(/"message":"shutting down"/);
      expect(out).toMatch(/"component":"clients"/);
    });
  });
});
