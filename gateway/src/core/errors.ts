// The catalogue of coded errors a user can meet: one row each with its code, what kind of
// trouble it is and its message, in the spirit of Fastify's lib/errors.js. Code and tests
// match on the code, never on the text. Errors of the state layer carry a kind, not an
// HTTP status: the HTTP layer maps kinds to statuses in one place (http/error-handler.ts).
// docs/errors.md lists every code; a unit test checks that every `FL_…` code used in the
// source is a row here, and that the docs list each row.
export { ConfigError, formatProblem, type ConfigProblem } from '../../../device-profiles/schema/config-error.ts';
export { AggregateConfigError } from '../../../device-profiles/schema/load.ts';
export { SinkWriteError } from './sink.ts';

/**
 * - `invalid`: the request or file is wrong; asking again unchanged gives the same answer.
 * - `not_found`: it names something that does not exist.
 * - `conflict`: it does not fit the current state (a series already running, one already stopped).
 * - `unavailable`: something the gateway needs is not there now; it may work later.
 * - `unauthenticated`: it needs a login (or a token) it did not bring.
 * - `forbidden`: whoever asks may not do this (a role too low, a request from a foreign site).
 * - `too_many`: asked too often; wait and ask again.
 * - `internal`: a defect of ours.
 */
export type ErrorKind = 'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'too_many' | 'unavailable' | 'internal';

interface ErrorRow<A> {
  readonly kind: ErrorKind;
  /** What a reader sees; `A` names what the thrower must supply. */
  readonly message: (args: A) => string;
}

const row = <A = void>(kind: ErrorKind, message: (args: A) => string): ErrorRow<A> => ({ kind, message });

export const ERRORS = {
  // Files: profiles, site files, gateway settings. Thrown at start, never at run time.
  FL_CONFIG_INVALID: row<{ readonly problems: string }>('invalid', (a) => a.problems),
  // Folders one gateway owns.
  FL_FOLDER_LOCKED: row<{ readonly file: string; readonly pid: number }>('conflict', (a) => `${a.file} is held by another gateway (pid ${a.pid})`),
  FL_SPOOL_LOCKED: row<{ readonly dir: string; readonly pid: number }>('conflict', (a) => `the spool ${a.dir} is in use by another gateway (pid ${a.pid}); give each gateway its own spool.dir`),
  // Sinks (reported on /healthz and in the log, never to an API caller).
  FL_SINK_WRITE: row<{ readonly message: string }>('unavailable', (a) => a.message),
  // The REST API.
  FL_BAD_REQUEST: row<{ readonly expected: string; readonly problems?: string | undefined }>('invalid', (a) => `expected ${a.expected}${a.problems ? `: ${a.problems}` : ''}`),
  FL_ROUTE_NOT_FOUND: row<{ readonly method: string; readonly url: string }>('not_found', (a) => `no route ${a.method} ${a.url}`),
  FL_LINE_NOT_FOUND: row<{ readonly line: string; readonly lines: readonly string[] }>('not_found', (a) => `no line "${a.line}" in this site (lines: ${a.lines.join(', ')})`),
  FL_LINE_COUNTS_NO_PARTS: row<{ readonly line: string }>('invalid', (a) => `line "${a.line}" has no device that counts parts (a profile's production section)`),
  FL_SERIES_NOT_FOUND: row<{ readonly id: string }>('not_found', (a) => `no series "${a.id}"`),
  FL_SERIES_ALREADY_RUNNING: row<{ readonly line: string; readonly id: string; readonly product: string }>('conflict', (a) => `series ${a.id} (${a.product}) is running on line "${a.line}"; stop it first`),
  FL_SERIES_STOPPED: row<{ readonly id: string }>('conflict', (a) => `series "${a.id}" has already stopped`),
  FL_SERIES_ALREADY_PAUSED: row<{ readonly id: string; readonly reason: string }>('conflict', (a) => `series "${a.id}" is already in a planned stop (${a.reason})`),
  FL_SERIES_NOT_PAUSED: row<{ readonly id: string }>('conflict', (a) => `series "${a.id}" is not in a planned stop`),
  FL_ALARM_NOT_PENDING: row<{ readonly device: string; readonly alarm: string }>('not_found', (a) => `no alarm ${a.alarm} on ${a.device} waiting for acknowledgement`),
  FL_UNKNOWN_DEVICE: row<{ readonly device: string }>('invalid', (a) => `no device "${a.device}" in this site`),
  FL_UNKNOWN_LINE: row<{ readonly line: string; readonly lines: readonly string[] }>('invalid', (a) => `no line "${a.line}" in this site (lines: ${a.lines.join(', ')})`),
  FL_HISTORY_WINDOW: row<{ readonly problem: string }>('invalid', (a) => a.problem),
  FL_HISTORY_UNAVAILABLE: row<{ readonly why: string }>('unavailable', (a) => `history is not available: ${a.why}`),
  // Virtual experiments.
  FL_SCENARIO_INVALID: row<{ readonly problems: string }>('invalid', (a) => `the scenario is not valid: ${a.problems}`),
  FL_CALIBRATION_WINDOW: row<{ readonly problem: string }>('invalid', (a) => `calibration window: ${a.problem}`),
  FL_CALIBRATION_EMPTY: row<{ readonly line: string; readonly from: string; readonly to: string }>('invalid', (a) => `line "${a.line}" recorded no parts from ${a.from} to ${a.to}: nothing to calibrate from; choose a window in which it produced`),
  FL_EXPERIMENT_NOT_FOUND: row<{ readonly id: string }>('not_found', (a) => `no experiment "${a.id}"`),
  FL_EXPERIMENT_FINISHED: row<{ readonly id: string; readonly status: string }>('conflict', (a) => `experiment "${a.id}" has already finished (${a.status}); there is nothing to cancel`),
  FL_EXPERIMENT_NOT_DONE: row<{ readonly id: string; readonly status: string }>('conflict', (a) => `experiment "${a.id}" is ${a.status}; only a done experiment has replications to trace`),
  FL_TRACE_REQUEST: row<{ readonly problem: string }>('invalid', (a) => `trace: ${a.problem}`),
  FL_EXPERIMENT_FAILED: row<{ readonly message: string }>('internal', (a) => `the experiment failed: ${a.message}`),
  FL_EXPERIMENT_ABORTED: row<{ readonly id: string }>('conflict', (a) => `experiment "${a.id}" was cancelled before it finished`),
  FL_EXPERIMENTS_UNAVAILABLE: row<{ readonly why: string }>('unavailable', (a) => `experiments are not available: ${a.why}`),
  // Who may do what (gateway/src/auth/rules.ts).
  FL_AUTH_REQUIRED: row<{ readonly need: string }>('unauthenticated', (a) => `this needs a login as ${a.need} or higher (POST /api/login, or an API token as "Authorization: Bearer …")`),
  FL_FORBIDDEN: row<{ readonly need: string; readonly role: string }>('forbidden', (a) => `this needs the role ${a.need} or higher; you are ${a.role}`),
  FL_FOREIGN_ORIGIN: row<{ readonly origin: string }>('forbidden', (a) => `a request from ${a.origin} may not act with this gateway's login cookie; only the gateway's own pages may`),
  FL_UNKNOWN_HOST: row<{ readonly host: string }>('forbidden', (a) => `a change addressed to "${a.host}" is refused: the gateway is not known by that name (name it in http.hostNames)`),
  FL_LOGIN_FAILED: row('unauthenticated', () => 'wrong user name or password'),
  FL_TOO_MANY_LOGINS: row<{ readonly seconds: number }>('too_many', (a) => `too many login attempts for this user from this address; try again in ${a.seconds} s`),
  FL_USER_NOT_FOUND: row<{ readonly name: string }>('not_found', (a) => `no user "${a.name}"`),
  FL_TOKEN_NOT_FOUND: row<{ readonly id: string }>('not_found', (a) => `no API token "${a.id}"`),
  FL_ROUTE_WITHOUT_RULE: row<{ readonly route: string }>('internal', (a) => `the route ${a.route} has no row in the table of who may do what (gateway/src/auth/rules.ts)`),
  FL_AUDIT_UNAVAILABLE: row<{ readonly why: string }>('unavailable', (a) => `the audit trail cannot be read: ${a.why}`),
  FL_INTERNAL: row('internal', () => 'the gateway failed to answer; the details are in its log'),
} as const;

export type ErrorCode = keyof typeof ERRORS;
type ArgsOf<C extends ErrorCode> = (typeof ERRORS)[C] extends ErrorRow<infer A> ? A : never;

/** An error from the catalogue: its code and kind say what happened; the message says it to a person. */
export class FieldlabError<C extends ErrorCode = ErrorCode> extends Error {
  readonly kind: ErrorKind;

  constructor(
    readonly code: C,
    ...args: ArgsOf<C> extends void ? [] : [ArgsOf<C>]
  ) {
    const entry = ERRORS[code] as ErrorRow<unknown>;
    super(entry.message(args[0]));
    this.kind = entry.kind;
    this.name = 'FieldlabError';
  }
}

export function isFieldlabError(err: unknown): err is FieldlabError {
  return err instanceof FieldlabError;
}

/** Why a message (or one field of it) was not turned into data. Each is counted on /metrics. */
export const REJECT_REASONS = [
  'invalid_json',
  'payload_too_large',
  'unknown_topic',
  'unknown_device',
  'wrong_type',
  'out_of_range',
  'not_finite',
  'invalid_enum_value',
  'invalid_timestamp',
  'no_values',
  'bad_quality',
  'device_flood',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];
