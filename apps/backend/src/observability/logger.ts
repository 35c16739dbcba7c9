import winston from 'winston';
import { maskDeep, maskForLogs } from './mask';

export type Logger = winston.Logger;

const SPLAT = Symbol.for('splat');
const MESSAGE = Symbol.for('message');

/**
 * Masks phone numbers in the message and in every field and key, nested or not, before the JSON
 * line is written (mask.ts lists the forms). It runs as a format so child loggers (requestId,
 * callId, jobId) inherit it.
 */
const maskFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value = info[key];
    const masked = key === 'message' && typeof value === 'string' ? maskForLogs(value) : maskDeep(value);
    // a key can carry a number too (`{ '+46701234567': … }`): it is renamed to its masked form
    const maskedKey = maskForLogs(key);
    if (maskedKey !== key) delete info[key];
    info[maskedKey] = masked;
  }
  const splat = (info as Record<symbol, unknown>)[SPLAT];
  if (Array.isArray(splat)) (info as Record<symbol, unknown>)[SPLAT] = splat.map((v) => maskDeep(v));
  return info;
});

/** A last guard on the serialised line itself, in case a transport adds text after the format. */
const maskLine = winston.format((info) => {
  const line = (info as Record<symbol, unknown>)[MESSAGE];
  if (typeof line === 'string') (info as Record<symbol, unknown>)[MESSAGE] = maskForLogs(line);
  return info;
});

export type LoggerOptions = {
  level: string;
  service?: string;
  /** Tests pass a stream to capture the JSON lines. */
  stream?: NodeJS.WritableStream;
  silent?: boolean;
};

export function createLogger(opts: LoggerOptions): Logger {
  const transport = opts.stream
    ? new winston.transports.Stream({ stream: opts.stream })
    : new winston.transports.Console();
  // winston formats every line before its transport drops the ones below the level: the masking
  // and JSON of each dropped debug/http line cost as much as a written one. Lines below the level
  // stop here, before any formatting.
  const levelGate = winston.format((info) => (logger.isLevelEnabled(info.level) ? info : false));
  const logger: Logger = winston.createLogger({
    level: opts.level,
    silent: opts.silent,
    defaultMeta: { service: opts.service ?? 'samtal-backend' },
    format: winston.format.combine(
      levelGate(),
      winston.format.errors({ stack: true }),
      maskFormat(),
      winston.format.timestamp(),
      winston.format.json(),
      maskLine(),
    ),
    transports: [transport],
  });
  return logger;
}
