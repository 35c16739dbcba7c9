/**
 * The error model (DESIGN §5): a closed set of codes, each with its HTTP status. Domain code throws
 * these and never mentions status numbers; `error-handler.ts` maps them once.
 */
export const ERROR_STATUS = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal_error: 500,
  upstream_error: 502,
  service_unavailable: 503,
} as const satisfies Record<string, number>;
export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const notFound = (what: string, id?: string) =>
  new AppError('not_found', id ? `${what} ${id} not found` : `${what} not found`);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new AppError('conflict', message, details);
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new AppError('validation_error', message, details);
export const unauthorized = (message = 'missing or invalid credentials') => new AppError('unauthorized', message);
export const forbidden = (message = 'forbidden') => new AppError('forbidden', message);
/** A dependency we call (46elks, OpenAI) failed; `service` names it. */
export const upstream = (service: string, message: string, cause?: unknown) =>
  new AppError('upstream_error', `${service}: ${message}`, { service }, { cause });
