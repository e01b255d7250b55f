// Gateway settings: defaults here, a YAML file (--config), then CLI flags or FIELDLAB_*
// environment variables on top. Validated strictly like profiles.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { z } from 'zod';
import { parseYaml } from '../../device-profiles/schema/parse.ts';

export const GatewayConfigSchema = z.strictObject({
  mqtt: z
    .strictObject({
      url: z.string().regex(/^(mqtts?|wss?|tcp):\/\//, 'expected a URL like mqtt://host:1883').default('mqtt://127.0.0.1:1883'),
      /** Stable: the broker keeps this client's session (and queues its messages) while the gateway is away. */
      clientId: z.string().min(1).default('fieldlab-gateway'),
      username: z.string().optional(),
      password: z.string().optional(),
      /** A file holding the password (first line), instead of `password`: a mounted secret. */
      passwordFile: z.string().min(1).optional(),
      /** CA certificate (PEM) the broker's TLS certificate must chain to, for mqtts:// (default: the system's). */
      caFile: z.string().min(1).optional(),
      /** Larger payloads are rejected unread (payload_too_large). */
      maxPayloadBytes: z.number().int().positive().default(256 * 1024),
      /** A device sending more than this many messages a second is throttled: the excess is rejected (device_flood). */
      maxMessagesPerSecondPerDevice: z.number().int().positive().default(500),
      /**
       * Seconds of that rate a device may send on top, all at once, before it is held to it: the
       * backlog a broker hands over after a gateway outage passes (120 s × 500 = 60,000 messages).
       */
      floodBurstSeconds: z.number().int().nonnegative().default(120),
    })
    .prefault({}),
  influx: z
    .strictObject({
      url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8086'),
      database: z.string().min(1).default('fieldlab'),
      username: z.string().optional(),
      password: z.string().optional(),
      /** A file holding the password (first line), instead of `password`. */
      passwordFile: z.string().min(1).optional(),
      batchSize: z.number().int().positive().default(5000),
      flushIntervalMs: z.number().int().positive().default(1000),
      maxBufferedPoints: z.number().int().positive().default(1_000_000),
    })
    .prefault({}),
  spool: z
    .strictObject({
      /** Off: points wait in memory only, and a crash loses what was not yet written. */
      enabled: z.boolean().default(true),
      /** One folder per gateway (a second gateway on the same folder is refused); it also holds the production series journal. */
      dir: z.string().default('.data/spool'),
      /** Disk space for points InfluxDB has not confirmed yet. */
      maxBytes: z.number().int().positive().default(1024 ** 3),
      /** At the bound: drop the oldest waiting points, or refuse the newest. Either is counted and logged. */
      whenFull: z.enum(['drop_oldest', 'drop_newest']).default('drop_oldest'),
      /** After an outage, the backlog is written at most this fast (fresh data goes in between). */
      replayPointsPerSecond: z.number().int().positive().default(100_000),
      /** Points InfluxDB refuses for good go to <dir>/<sink>/dead-letter.jsonl, up to this size. */
      deadLetterMaxBytes: z.number().int().positive().default(100 * 1024 ** 2),
    })
    .prefault({}),
  production: z
    .strictObject({
      /** Running and recent production series, so a restarted gateway goes on with them. Default: production-series.jsonl in spool.dir. */
      journal: z.string().min(1).optional(),
      /** Stopped series kept in the list and the journal besides the running ones (all of them stay in InfluxDB). */
      keepStoppedSeries: z.number().int().min(0).default(100),
    })
    .prefault({}),
  history: z
    .strictObject({
      /** The gateway sets up retention and rollups at start (idempotently); off: it leaves InfluxDB's policies as they are. */
      manageRetention: z.boolean().default(true),
      /** How long raw points stay: the database's default retention policy gets this duration (InfluxQL: 30d, 12w, 720h). */
      rawRetention: z.string().regex(/^[1-9]\d*(h|d|w)$/, 'expected a duration like 30d, 12w or 720h').default('30d'),
      /** How long the 1-minute rollups and the copies of the event measurements stay. */
      rollupRetention: z.string().regex(/^[1-9]\d*(h|d|w)$/, 'expected a duration like 52w or 365d').default('52w'),
      /** The retention policy that holds them. */
      rollupPolicy: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a name of letters, digits and _').default('fieldlab_rollup'),
    })
    .prefault({}),
  experiments: z
    .strictObject({
      /** Where experiments and their results are kept (one JSON file each). Default: experiments/ in spool.dir. */
      dir: z.string().min(1).optional(),
      /** Finished experiments kept at most; the oldest go first. */
      keep: z.number().int().positive().default(200),
    })
    .prefault({}),
  opcua: z
    .strictObject({
      /** The gateway's OPC UA certificate and trust lists: put trusted server certificates in trusted/certs/. */
      pkiDir: z.string().default('.data/pki/gateway'),
      /** Accept servers whose certificate is not trusted. Off: such servers are refused and their certificate lands in rejected/. */
      trustUnknownServers: z.boolean().default(false),
      /** User token for every endpoint whose site entry names no username of its own. */
      username: z.string().min(1).optional(),
      password: z.string().optional(),
      /** A file holding that user's password (first line), instead of `password`. */
      passwordFile: z.string().min(1).optional(),
      reconnectMaxMs: z.number().int().positive().default(10_000),
      retrySignalMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8080),
      /** Change messages per second per viewer at most. */
      liveRateHz: z.number().positive().max(100).default(20),
      /** HTTPS from these PEM files (both or neither); then the login cookie is Secure and HSTS is sent. */
      tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /**
       * Pages elsewhere that may use the login cookie and the socket, e.g. the gateway behind a
       * reverse proxy at https://twin.example.org. The gateway's own origin is always allowed.
       */
      allowedOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
      /** Cross-origin reads (CORS) for these origins; none by default. */
      corsOrigins: z.array(z.url({ protocol: /^https?$/ })).default([]),
      /**
       * Host names the gateway is reached by, besides its IP addresses, localhost and this
       * machine's name: changes addressed to any other name are refused (DNS rebinding).
       */
      hostNames: z.array(z.string().regex(/^[A-Za-z0-9.-]+$/, 'expected a host name like twin.plant.local')).default([]),
      /** Behind a reverse proxy: trust its X-Forwarded-For for the caller's address (true, or the proxy's addresses). */
      trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    })
    .prefault({}),
  auth: z
    .strictObject({
      /** People and API tokens (`fieldlab users …`); followed while the gateway runs. */
      usersFile: z.string().min(1).default('.data/users.json'),
      /** What someone who has not logged in is: a visitor (the kiosk needs no login), or nobody. */
      anonymous: z.enum(['visitor', 'none']).default('visitor'),
      /** A login lasts this long. */
      sessionHours: z.number().positive().max(24 * 30).default(12),
      /** Login attempts a minute for one user name from one address; more are answered 429. */
      loginAttemptsPerMinute: z.number().int().positive().default(10),
    })
    .prefault({}),
  /** Machine seconds per real second: 1 for real machines; for simulators run faster (the demo's --time-scale), so rate alarms, ideal cycle times and OEE keep their meaning. */
  timeScale: z.number().positive().default(1),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info') }).prefault({}),
});

export type GatewayConfig = z.infer<typeof GatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>;

export function gatewayConfig(input: GatewayConfigInput = {}): GatewayConfig {
  return GatewayConfigSchema.parse(input);
}

export function loadGatewayConfig(file: string): GatewayConfig {
  return parseYaml(GatewayConfigSchema, readFileSync(file, 'utf8'), relative(process.cwd(), file) || file);
}
