import { pino, type DestinationStream, type Logger } from 'pino';
import pretty, { type PrettyOptions } from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Fields a message may leave out that a person watching still wants on its line. The others
 * (source, state, why, device...) are said by the message itself; all of them stay in the JSON
 * and are shown on a terminal at debug.
 */
const WORTH_SHOWING = ['topic', 'file', 'retryInMs', 'suppressedSinceLastLog', 'droppedSinceLastLog'] as const;

/** pino's own keys and the ones the pretty line leaves out, not fields of the event. */
const NOT_FIELDS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg']);

/**
 * Fields that hold a credential, wherever an event carries them (a config, an options object,
 * a request): replaced before the line is written, so a secret passed along by mistake is
 * never on disk. A secret inside a message text is the caller's to keep out.
 */
const SECRET_KEYS = ['password', 'passphrase', 'token', 'secret', 'authorization', 'cookie', 'privateKey'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

/**
 * JSON lines for machines; one readable line per event when a person watches a terminal
 * (`auto`) or asks for it (`pretty`). `destination` is for tests; the default is standard output.
 */
export function createLogger(level: string, format: LogFormat = 'auto', destination?: DestinationStream & { isTTY?: boolean }): Logger {
  const options = { name: 'fieldlab', level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  const tty = (destination ?? process.stdout).isTTY === true;
  const human = format === 'pretty' || (format === 'auto' && tty);
  if (!human) return destination ? pino(options, destination) : pino(options);
  return pino(options, pretty(prettyOptions(level, tty, destination)));
}

function prettyOptions(level: string, colorize: boolean, destination: DestinationStream | undefined): PrettyOptions {
  const common: PrettyOptions = { colorize, translateTime: 'HH:MM:ss', ignore: 'pid,hostname,name', sync: true, ...(destination ? { destination } : {}) };
  // Asking for debug is asking for everything: every field and every stack, as pino-pretty shows them.
  const verbose = (pino.levels.values[level] ?? Infinity) <= pino.levels.values.debug!;
  return verbose ? common : { ...common, hideObject: true, messageFormat: oneLine };
}

/** The message, the error's message if it does not say it, and the few fields worth a glance. */
function oneLine(log: Record<string, unknown>, messageKey: string): string {
  const message = typeof log[messageKey] === 'string' ? log[messageKey] : '';
  let line = message;
  const err = errorMessage(log.err);
  if (err && !message.includes(err)) line = line ? `${line}: ${err}` : err;
  const extra: string[] = [];
  for (const key of WORTH_SHOWING) {
    const value = log[key];
    if (value === undefined || value === null || value === '' || value === 0) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (!message.includes(text)) extra.push(`${key}=${text}`);
  }
  if (extra.length) line += `  (${extra.join(' ')})`;
  if (line) return line;
  // An event with fields and no message would otherwise print as a bare level.
  return JSON.stringify(Object.fromEntries(Object.entries(log).filter(([k]) => !NOT_FIELDS.has(k))));
}

function errorMessage(err: unknown): string | undefined {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') return err.message;
  return undefined;
}
