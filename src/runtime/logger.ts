/** The process logger: JSON lines by default (for log collectors), human-readable when stdout is a terminal. */
import { pino, type Logger, type LoggerOptions as PinoOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** trace, debug, info, warn, error, fatal or silent. Default: $AVIARY_LOG_LEVEL, else info. */
  level?: string;
  /** Pretty output; default: whether stdout is a TTY. */
  pretty?: boolean;
  /** Bound into every line as `name`. */
  name?: string;
  /** Where JSON lines go; default stdout. Ignored when pretty. */
  destination?: NodeJS.WritableStream;
}

const levels = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = (options.level ?? process.env.AVIARY_LOG_LEVEL ?? 'info').toLowerCase();
  if (!levels.has(level)) throw new Error(`unknown log level "${level}" (use ${[...levels].join(', ')})`);
  const config: PinoOptions = {
    level,
    base: options.name === undefined ? {} : { name: options.name },
    // Credentials must never reach logs even when a request or config object is logged whole.
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.token', '*.password', 'headers.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  };
  const usePretty = options.pretty ?? process.stdout.isTTY;
  if (usePretty) {
    // A stream in the same thread, not a worker transport: lines are written before the process exits on a signal.
    return pino(config, pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true }));
  }
  return options.destination === undefined ? pino(config) : pino(config, options.destination);
}

/** A logger that discards everything: the default for library use and tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
