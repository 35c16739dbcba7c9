import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { startSimulators } from './index';

const port = (fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'expected an integer port 0–65535')
    .transform(Number)
    .refine((n) => n <= 65535, 'expected an integer port 0–65535')
    .prefault(String(fallback));

/** The simulators' environment (only this file reads process.env). */
const CliEnv = z.object({
  SIM_ELKS_PORT: port(4646),
  SIM_OPENAI_PORT: port(4647),
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  SIM_TIME_SCALE: z
    .string()
    .regex(/^\d*\.?\d+$/, 'expected a positive number, e.g. 1 or 0.05')
    .transform(Number)
    .refine((n) => n > 0 && n <= 1000, 'expected a number > 0 (1 = real time, 0.05 = 20x faster)')
    .prefault('1'),
  SIM_ELKS_USERNAME: z.string().min(1).optional(),
  SIM_ELKS_PASSWORD: z.string().min(1).optional(),
  // The backend's own credentials: with one .env for both, the simulator accepts what the backend sends.
  ELKS_USERNAME: z.string().min(1).optional(),
  ELKS_PASSWORD: z.string().min(1).optional(),
  SIM_OPENAI_API_KEY: z.string().min(1).optional(),
  SIM_SEED: z.string().regex(/^-?\d+$/, 'expected an integer').transform(Number).optional(),
  SIM_LOG: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
});

/**
 * The same `.env` the backend reads (SAMTAL_ENV_FILE, or `.env` where npm was started): variables already
 * set in the environment win.
 */
const loadEnvFile = (): string | null => {
  const file = process.env.SAMTAL_ENV_FILE || path.join(process.env.INIT_CWD || process.cwd(), '.env');
  if (!existsSync(file)) return null;
  process.loadEnvFile(file);
  return file;
};

const main = async (): Promise<void> => {
  const envFile = loadEnvFile();
  const env = CliEnv.safeParse(process.env);
  if (!env.success) {
    for (const issue of env.error.issues) {
      const name = String(issue.path[0]);
      console.error(`${name}: ${issue.message} (got ${JSON.stringify(process.env[name])})`);
    }
    process.exit(1);
  }
  const e = env.data;
  const elksUsername = e.SIM_ELKS_USERNAME ?? e.ELKS_USERNAME ?? 'u_sim';
  const elksPassword = e.SIM_ELKS_PASSWORD ?? e.ELKS_PASSWORD ?? 'p_sim';
  const sims = await startSimulators({
    elksPort: e.SIM_ELKS_PORT,
    openaiPort: e.SIM_OPENAI_PORT,
    host: e.SIM_HOST,
    timeScale: e.SIM_TIME_SCALE,
    elksUsername,
    elksPassword,
    ...(e.SIM_OPENAI_API_KEY ? { openaiApiKey: e.SIM_OPENAI_API_KEY } : {}),
    ...(e.SIM_SEED !== undefined ? { seed: e.SIM_SEED } : {}),
    log: e.SIM_LOG,
  });
  if (envFile) console.log(`environment from ${envFile}`);
  console.log(`46elks simulator: ${sims.elksUrl}   (ELKS_API_URL; Basic auth ${elksUsername}:***)`);
  console.log(`OpenAI simulator: ${sims.openaiUrl}   (OPENAI_BASE_URL${e.SIM_OPENAI_API_KEY ? '; Bearer key required' : '; any API key'})`);
  console.log(`time scale ${e.SIM_TIME_SCALE}, seed ${sims.options.seed}; control API: ${sims.elksUrl.replace(/\/a1$/, '/sim')}`);
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping simulators`);
    setTimeout(() => process.exit(1), 5000).unref();
    void sims.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
};

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
