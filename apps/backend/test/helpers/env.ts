import { type Config, loadConfig } from '../../src/config';

/** A complete, valid environment for tests; each test overrides what it needs. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    NODE_ENV: 'test',
    ROLE: 'api',
    PORT: '0',
    PUBLIC_BASE_URL: 'http://127.0.0.1:3000',
    LOG_LEVEL: 'warn',
    DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: 'samtal_test',
    WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
    PHONE_HASH_KEY: 'test-phone-hash-key-0123456789',
    ELKS_API_URL: 'http://127.0.0.1:4646/a1',
    ELKS_USERNAME: 'u_sim',
    ELKS_PASSWORD: 'p_sim',
    ELKS_FROM_NUMBER: '+46766860000',
    OPENAI_API_KEY: 'sk-test',
    ADMIN_API_KEY: 'test-admin-key-0123456789',
    VERIFICATION_WEBHOOK_SECRET: 'test-verification-secret-0123',
    SUPABASE_JWT_SECRET: 'test-supabase-jwt-secret-0123456789abcdef',
    CALL_WINDOW: 'always',
    RETRY_BACKOFF: 'no_answer=1s,2s;busy=1s,2s;failed=1s,2s;voicemail=1s,2s',
    SHUTDOWN_GRACE_MS: '5000',
    ...overrides,
  };
}

export const testConfig = (overrides: Record<string, string | undefined> = {}): Config => loadConfig(testEnv(overrides));
