import { randomBytes } from 'node:crypto';
import type { Response } from 'express';

export type OpenAiErrorType = 'invalid_request_error' | 'server_error' | 'requests' | 'tokens' | 'authentication_error';

/** OpenAI's error body: `{ error: { message, type, param, code } }`. */
export const sendError = (
  res: Response,
  status: number,
  message: string,
  type: OpenAiErrorType = 'invalid_request_error',
  param: string | null = null,
  code: string | null = null,
): void => {
  res.status(status).json({ error: { message, type, param, code } });
};

export const requestId = (): string => `req_${randomBytes(16).toString('hex')}`;
