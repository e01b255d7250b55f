import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** JSON lines for machines; readable lines when a person watches a terminal or asks for them. */
export function createLogger(level: string, format: 'auto' | 'json' | 'pretty' = 'auto'): Logger {
  const human = format === 'pretty' || (format === 'auto' && process.stdout.isTTY);
  if (!human) return pino({ name: 'fieldlab', level });
  return pino({ name: 'fieldlab', level }, pretty({ colorize: process.stdout.isTTY, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', sync: true }));
}
