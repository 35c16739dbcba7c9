import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import type { FieldError } from '@samtal/types';
import { AppError, type ErrorCode, ERROR_STATUS } from './errors';

type Body = { error: ErrorCode; message: string; details?: Record<string, unknown>; timestamp: string };

const body = (error: ErrorCode, message: string, details?: Record<string, unknown>): Body => ({
  error,
  message,
  ...(details ? { details } : {}),
  timestamp: new Date().toISOString(),
});

export function zodFields(err: ZodError): FieldError[] {
  return err.issues.map((i) => ({
    field: i.path.length > 0 ? i.path.map(String).join('.') : '(body)',
    message: i.message,
    code: i.code,
  }));
}

/** body-parser errors carry a `type` and a `status`; the router's (a path parameter it cannot decode) a `status`. */
type ParserError = Error & { type?: string; status?: number };

function toResponse(err: unknown): { status: number; body: Body } {
  if (err instanceof ZodError) {
    const fields = zodFields(err);
    const names = [...new Set(fields.map((f) => f.field))].join(', ');
    return { status: 400, body: body('validation_error', `invalid request: ${names}`, { fields }) };
  }
  if (err instanceof AppError) return { status: err.status, body: body(err.code, err.message, err.details) };
  const p = err as ParserError;
  if (p?.type === 'entity.parse.failed') return { status: 400, body: body('invalid_json', 'request body is not valid JSON') };
  if (p?.type === 'entity.too.large') return { status: 413, body: body('payload_too_large', 'request body is too large') };
  if (p?.type === 'parameters.too.many') return { status: 413, body: body('payload_too_large', 'request body has too many parameters') };
  if (p?.type === 'encoding.unsupported' || p?.type === 'charset.unsupported')
    return { status: 400, body: body('validation_error', p.message) };
  // Anything else the HTTP layer refused as the client's fault — a path that is not valid
  // percent-encoding (router), a body that does not decompress or was cut short (body-parser) — is
  // a 400, not a 500. Found by the fuzz drill.
  if (p instanceof Error && typeof p.status === 'number' && p.status >= 400 && p.status < 500) {
    const message = p instanceof URIError ? 'the request path is not valid percent-encoding' : p.type ? p.message : 'request body could not be decoded';
    return { status: 400, body: body('validation_error', message) };
  }
  return { status: ERROR_STATUS.internal_error, body: body('internal_error', 'internal server error') };
}

/** The one place errors become HTTP answers (seed contract `ErrorResponse`). Never leaks internals. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const { status, body: payload } = toResponse(err);
  const log = req.log;
  if (status >= 500) log?.error('request failed', { err, status });
  else log?.warn('request rejected', { status, error: payload.error, message: payload.message });
  if (res.headersSent) return;
  res.status(status).json(payload);
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${req.path}`));
};
