import OpenAI from 'openai';
import type { Config } from '../config';

/** The one OpenAI SDK client (any OpenAI-compatible server via OPENAI_BASE_URL). */
export function createOpenAI(config: Config): OpenAI {
  return new OpenAI({
    apiKey: config.OPENAI_API_KEY,
    baseURL: config.OPENAI_BASE_URL,
    timeout: 20_000,
    maxRetries: 3,
  });
}
