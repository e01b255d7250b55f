// `npm run demo`: the whole fieldlab on one machine with nothing installed but Node.
// Uses what it is given (--mqtt, --influx) and starts embedded parts for the rest.
// Imported first, so that node-opcua's warnings while it loads are caught too.
import { routeOpcuaWarnings } from './opcua-warnings.ts';
import { join } from 'node:path';
import { loadSite } from '../../../device-profiles/schema/load.ts';
import { SimulatedFleet } from '../../../simulators/src/fleet.ts';
import { Telemetry } from '../core/telemetry.ts';
import { Gateway } from '../runtime/gateway.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../services/embedded-broker.ts';
import { influxdOnPath, pingInflux, startInfluxd, type RunningInfluxd } from '../services/influxd.ts';
import { resolveConfig, type GatewayFlags } from './gateway.ts';
import { createLogger } from './logger.ts';
import { ensureViewerBuilt } from '../http/viewer.ts';
import { untilSignal } from './signals.ts';
import { prepareDemoExperiment } from './demo-experiment.ts';
import { hasRecordedPast, runWarmStart, writePreviousShift } from './demo-past.ts';
import { demoPassword, ensureDemoLogin } from './demo-login.ts';

interface DemoFlags extends GatewayFlags {
  timeScale: number;
  dataDir: string;
  /** Start empty and cold, as before the warm start. */
  cold: boolean;
  /** The previous shift's length, written at a first start (0: none). */
  pastHours: number;
}

export async function runDemo(flags: DemoFlags): Promise<void> {
  // What is running, stopped in reverse order: at Ctrl+C, and when a later part fails to start
  // (a spool in use, a port taken), so no influxd or robot server is left behind.
  const running: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of running.reverse()) await stop().catch(() => {});
  };
  // Listening before anything starts: a Ctrl+C during the start still stops what was started.
  // And it must end the demo: a part that does not stop in time (seen once under heavy load,
  // after every source had stopped) is left behind with a word rather than keeping the process.
  let late: NodeJS.Timeout | undefined;
  const signalled = untilSignal().then(() => {
    late = setTimeout(() => {
      process.stderr.write(`fieldlab: not everything stopped within ${STOP_GRACE_MS / 1000} s; exiting anyway\n`);
      process.exit(1);
    }, STOP_GRACE_MS);
    late.unref();
  });
  try {
    await startDemo(flags, running);
  } catch (err) {
    await stopAll();
    throw err;
  }
  await signalled;
  await stopAll();
  clearTimeout(late);
  // Stopped: whatever handle is still open (a socket in its close handshake) must not keep us.
  setTimeout(() => process.exit(0), 2000).unref();
}

const STOP_GRACE_MS = 20_000;

async function startDemo(flags: DemoFlags, running: (() => Promise<void>)[]): Promise<void> {
  const site = loadSite(flags.site, { profilesDir: flags.profiles });
  const config = resolveConfig({ spoolDir: join(flags.dataDir, 'spool'), ...flags });
  const log = createLogger(config.log.level, flags.logFormat);
  routeOpcuaWarnings(log);
  await ensureViewerBuilt(log);

  let broker: EmbeddedBroker | undefined;
  let mqttUrl = flags.mqtt;
  if (!mqttUrl) {
    broker = await startEmbeddedBroker(1883).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      log.warn('port 1883 is taken; the embedded broker takes a free port instead');
      return startEmbeddedBroker(0);
    });
    mqttUrl = broker.url;
    running.push(() => broker!.close());
    log.info(`embedded MQTT broker (aedes) on ${mqttUrl}`);
  }

  let influxd: RunningInfluxd | undefined;
  let influxUrl: string | undefined = config.influx.url;
  if (!(await pingInflux(influxUrl))) {
    const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(influxUrl);
    if (local && influxdOnPath()) {
      const port = Number(new URL(influxUrl).port || 8086);
      influxd = await startInfluxd({ dataDir: join(flags.dataDir, 'influxdb'), port });
      influxUrl = influxd.url;
      running.push(() => influxd!.stop());
      log.info(`started influxd on ${influxUrl} with its data in ${influxd.dataDir}`);
    } else {
      log.warn(
        `No InfluxDB at ${influxUrl}${local ? ' and no influxd installed' : ''}: live data only, nothing is stored. ` +
          'For history install InfluxDB 1.x (apt-get install influxdb) or pass --influx URL.',
      );
      influxUrl = undefined;
    }
  }

  // Visitors need nothing; engineers log in as the demo's own engineer (cli/demo-login.ts says why not a loopback role).
  const usersFile = process.env.FIELDLAB_USERS_FILE ?? join(flags.dataDir, 'users.json');
  const login = await ensureDemoLogin(usersFile, flags.dataDir);
  const gatewayConfig = {
    ...config,
    auth: { ...config.auth, usersFile },
    mqtt: { ...config.mqtt, url: mqttUrl },
    influx: { ...config.influx, url: influxUrl ?? config.influx.url },
    timeScale: flags.timeScale,
  };
  const fleet = new SimulatedFleet({ site, mqttUrl, timeScale: flags.timeScale, log, pkiDir: join(flags.dataDir, 'pki'), lineFlow: true });
  running.push(() => fleet.stop());
  // Asked before anything of today is written: an empty database gets the previous shift.
  const writePast = !flags.cold && flags.pastHours > 0 && influxUrl !== undefined && !(await hasRecordedPast(gatewayConfig.influx));
  const startedAt = Date.now();
  // Mid-shift from the first second: the fleet's own models run through the shift's start, recorded.
  const warm = flags.cold
    ? undefined
    : await runWarmStart({ site, config: gatewayConfig, log, influx: influxUrl !== undefined, models: fleet.models, end: startedAt });
  await fleet.startRobots();
  const telemetry = new Telemetry(log);
  const gateway = new Gateway(site, gatewayConfig, telemetry, influxUrl ? {} : { sinks: [] });
  running.push(async () => {
    log.info('stopping…');
    await gateway.stop();
  });
  await gateway.start();
  await fleet.startPrinters();
  await fleet.startLine();

  if (warm) {
    const s = gateway.production.running(Date.now()).find((x) => x.line === fleet.models.roles?.line);
    const since = Math.round((warm.until - warm.from) / 60_000);
    log.info(
      { from: new Date(warm.from).toISOString(), until: new Date(warm.until).toISOString(), recorded: warm.recorded },
      `warm start: the line runs from ${since} min into the shift${s ? `, series ${s.id} (${s.product}) at ${s.good} good of ${s.target}` : ''}`,
    );
  }

  // The banner comes last, after the sources have said how they are, so it stays on the screen.
  await sourcesSettled(telemetry, 10_000);
  const http = gateway.httpAddress();
  const mqtt = new URL(mqttUrl);
  log.info(
    [
      `Fieldlab demo running: ${site.site.name}`,
      `  live twin     ${http}/   (visitors: ${http}/?mode=kiosk&experiment=latest)`,
      `  health        ${http}/healthz   metrics: ${http}/metrics`,
      `  MQTT broker   ${mqttUrl}   (watch: mosquitto_sub -h ${mqtt.hostname} -p ${mqtt.port || 1883} -t '#' -v)`,
      fleet.robots.length
        ? `  OPC UA robot  ${fleet.robots.map((r) => r.endpoint).join(', ')}   (Objects/Machines/<id>, OPC 40010 Robotics; security None, anonymous)`
        : '',
      influxUrl
        ? `  InfluxDB      ${influxUrl} database "${config.influx.database}"   (influx -host ${new URL(influxUrl).hostname} -port ${new URL(influxUrl).port || 8086} -database ${config.influx.database})`
        : '  InfluxDB      none: live data only',
      login.passwordFile
        ? `  engineers     log in as ${login.user}, password in ${login.passwordFile}; the CLI: FIELDLAB_TOKEN_FILE=${login.tokenFile} npm run fieldlab -- series status`
        : `  engineers     log in with the users in ${usersFile} (fieldlab users list)`,
      'Press Ctrl+C to stop.',
    ]
      .filter(Boolean)
      .join('\n'),
  );

  // The password itself only on the terminal, never into a log.
  const password = demoPassword(login);
  if (password && process.stderr.isTTY) process.stderr.write(`  demo login: ${login.user} / ${password}\n`);

  const counts = telemetry.counts;
  const devices = new Map(site.devices.map((d) => [d.id, d]));
  const status = setInterval(() => {
    const rejected = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
    const snapshot = gateway.state.snapshot();
    // Each vendor says "printing" its own way; the profile's enum meanings say it once.
    const printing = snapshot.filter((d) => {
      const state = d.values.job_state;
      return typeof state === 'string' && devices.get(d.id)?.profileDef.signals.job_state?.values?.[state] === 'printing';
    }).length;
    const cycles = snapshot.reduce((n, d) => n + (typeof d.values.cycle_count === 'number' ? d.values.cycle_count : 0), 0);
    log.info(
      { received: counts.received, written: counts.written, rejected, buffered: gateway.runners.reduce((n, r) => n + r.depth(), 0) },
      `data arriving: ${counts.received} messages, ${counts.written} points stored, ${printing} printers printing, robots at ${cycles} cycles`,
    );
  }, 10_000);
  status.unref();
  running.push(async () => clearInterval(status));

  if (writePast && warm) {
    // Beside the live line, not before it: the visitor sees motion at once; history fills in.
    const abort = new AbortController();
    const hours = flags.pastHours;
    const written = writePreviousShift({ site, config: gatewayConfig, log, influx: true, dataDir: flags.dataDir, hours, until: warm.from, signal: abort.signal }).then(
      async (w) => {
        // Continuous queries roll up only the minutes that close from now on: the past is rolled up here.
        await gateway.historyStore?.fillRollups(w.record.from, w.record.until).catch((err: Error) => log.warn(`recorded past: rollups not filled in (${err.message})`));
        const t = w.record.line;
        const series = w.record.series;
        log.info(
          { seconds: Number(w.seconds.toFixed(2)), points: w.points, pointsPerSecond: Math.round(w.points / w.seconds), ...w.record.messages, from: new Date(w.record.from).toISOString(), until: new Date(w.record.until).toISOString() },
          `recorded past: the previous ${hours} h shift written to InfluxDB in ${w.seconds.toFixed(1)} s: ${w.record.prints} prints, ${t?.inspected ?? 0} inspected (${t?.failed ?? 0} scrap), ${t?.packed ?? 0} packed, ` +
            `${w.states} machine states, ${w.alarms} alarms, series ${series?.id ?? '-'} finished (${series?.good ?? 0} good, OEE ${series?.oee.oee?.toFixed(2) ?? '-'}), ${w.points} points (${Math.round(w.points / w.seconds)} points/s)`,
        );
        const line = fleet.models.roles?.line;
        if (line && !abort.signal.aborted) {
          await prepareDemoExperiment({ experiments: gateway.experiments, site, line, from: w.record.from, until: w.record.until, log }).catch((err: Error) => log.warn(`prepared experiment: not queued (${err.message})`));
        }
      },
      (err: unknown) => {
        if (!abort.signal.aborted) log.warn({ err }, `recorded past: not written (${err instanceof Error ? err.message : String(err)}); the next start tries again`);
      },
    );
    running.push(async () => {
      abort.abort();
      await written;
    });
  } else if (influxUrl && !flags.cold && flags.pastHours > 0) {
    log.info('recorded past: already in InfluxDB (demo_history), not written again');
  }
}

/** Until no source is still starting (each has logged connected or why not), or the time is up. */
async function sourcesSettled(telemetry: Telemetry, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Object.values(telemetry.counts.sources).some((s) => s.state === 'starting') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
