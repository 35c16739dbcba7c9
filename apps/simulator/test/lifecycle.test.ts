import { spawn } from 'node:child_process';
import path from 'node:path';
import { startSimulators } from '../src/index';
import { startFakeBackend } from './helpers/backend';

test('hundreds of concurrent calls all settle, each with its own webhooks', async () => {
  const sims = await startSimulators({ timeScale: 0.005, seed: 77, duplicateHangupRate: 0.2 });
  const backend = await startFakeBackend(sims, { questions: 2 });
  const personas = ['engaged', 'brief', 'negative_specific', 'fraud', 'silent', 'busy', 'no_answer'] as const;
  const ids = await Promise.all(
    Array.from({ length: 300 }, async (_, i) => {
      const to = `+4670400${String(i).padStart(4, '0')}`;
      sims.elks.setPersona(to, personas[i % personas.length]!);
      return String((await backend.placeCall(to, { timeout: '20' })).json?.id);
    }),
  );
  const calls = await Promise.all(ids.map((id) => sims.elks.waitForCall(id, { timeoutMs: 60_000 })));
  expect(new Set(ids).size).toBe(300);
  expect(calls.every((c) => c.settled && c.state !== 'ongoing')).toBe(true);
  const stats = sims.elks.stats();
  expect(stats.calls.active).toBe(0);
  expect(stats.calls.by_state.busy).toBe(calls.filter((c) => c.persona === 'busy').length);
  const hangups = backend.received.filter((r) => r.kind === 'hangup');
  expect(new Set(hangups.map((h) => h.form.id)).size).toBe(300);
  expect(hangups.length).toBe(calls.reduce((n, c) => n + c.hangupDeliveries, 0));
  expect(hangups.length).toBeGreaterThan(300); // some duplicates
  expect(stats.audio.cache_hits).toBeGreaterThan(stats.audio.fetches); // played URLs are cached like 46elks does
  await backend.close();
  await sims.stop();
}, 180_000);

test('stop() cancels in-flight calls and timers; pending waitForCall rejects', async () => {
  const sims = await startSimulators({ timeScale: 1, seed: 1 });
  const backend = await startFakeBackend(sims);
  const { json } = await backend.placeCall('+46704999999');
  const waiting = sims.elks.waitForCall(String(json?.id), { timeoutMs: 60_000 });
  await sims.stop();
  await expect(waiting).rejects.toThrow(/stopped/);
  expect(sims.elks.getCall(String(json?.id))!.state).toBe('ongoing');
  await sims.stop(); // idempotent
  await backend.close();
});

const cli = (env: Record<string, string>) =>
  spawn(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, '../src/cli.ts')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

test('cli: a clear line per bad variable, exit 1', async () => {
  const child = cli({ SIM_ELKS_PORT: 'abc', SIM_TIME_SCALE: '-2' });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(1);
  expect(stderr).toMatch(/^SIM_ELKS_PORT: expected an integer port 0–65535 \(got "abc"\)$/m);
  expect(stderr).toMatch(/^SIM_TIME_SCALE: .*\(got "-2"\)$/m);
}, 180_000);

test('cli: prints both URLs and stops cleanly on SIGTERM', async () => {
  const child = cli({ SIM_ELKS_PORT: '0', SIM_OPENAI_PORT: '0', SIM_TIME_SCALE: '0.05', SIM_LOG: 'false' });
  let stdout = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/OpenAI simulator: http:\/\/127\.0\.0\.1:\d+\/v1/.test(stdout)) resolve();
    });
    child.on('exit', () => reject(new Error(`exited early: ${stdout}`)));
  });
  expect(stdout).toMatch(/46elks simulator: http:\/\/127\.0\.0\.1:\d+\/a1/);
  const elks = /46elks simulator: (\S+)/.exec(stdout)![1]!;
  expect((await fetch(`${elks}/calls`)).status).toBe(401);
  const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  expect(await exit).toBe(0);
}, 180_000);
