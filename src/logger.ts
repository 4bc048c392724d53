/**
 * Structured JSON logs (pino). One root logger per process; modules take children with their
 * own bindings (`taskId`, `requestId`, `component`) so every line says what it is about.
 */
import { pino, type Logger } from 'pino';

export type { Logger };

/** The process's root logger; `LOG_LEVEL` sets its level (default `info`, `silent` for none). */
export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, base: { pid: process.pid } });
}
