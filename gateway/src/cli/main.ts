#!/usr/bin/env node
// fieldlab: the command line. Each command validates its files first and exits with a
// readable error (file, path inside it, what was expected) instead of a stack trace.
// Commands are loaded when run: checking profiles need not load an OPC UA stack.
import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.ts';

const program = new Command('fieldlab')
  .description('Fieldlab twin & gateway: robots and 3D printers → InfluxDB and a live twin')
  .showHelpAfterError();

const site = () => new Option('--site <file>', 'site file (default: the demo fieldlab)').env('FIELDLAB_SITE');
const profiles = () => new Option('--profiles <dir>', 'device profiles folder (default: the site file\'s, else device-profiles/)').env('FIELDLAB_PROFILES');
const mqttUrl = () => new Option('--mqtt <url>', 'MQTT broker URL').env('FIELDLAB_MQTT_URL');
const influxUrl = () => new Option('--influx <url>', 'InfluxDB 1.x URL').env('FIELDLAB_INFLUX_URL');
const database = () => new Option('--database <name>', 'InfluxDB database').env('FIELDLAB_INFLUX_DATABASE');
const port = () => new Option('--port <n>', 'HTTP port for the viewer, /healthz and /metrics').env('FIELDLAB_HTTP_PORT').argParser(Number);
const host = () => new Option('--host <addr>', 'HTTP address to listen on (0.0.0.0 to let phones on the network in)').env('FIELDLAB_HTTP_HOST');
const logLevel = () => new Option('--log-level <level>', 'trace, debug, info, warn, error (debug: every field of every event)').env('FIELDLAB_LOG_LEVEL');
const logFormat = () =>
  new Option('--log-format <format>', 'json lines, or pretty: one readable line per event; auto: pretty on a terminal').choices(['auto', 'json', 'pretty']).default('auto').env('FIELDLAB_LOG_FORMAT');

program
  .command('demo')
  .description('run the whole fieldlab: embedded MQTT broker, simulated machines, gateway, InfluxDB if it can')
  .addOption(site())
  .addOption(profiles())
  .addOption(new Option('--mqtt <url>', 'use this broker instead of the embedded one').env('FIELDLAB_MQTT_URL'))
  .addOption(new Option('--influx <url>', 'InfluxDB 1.x URL; if none answers there, influxd from PATH is started').default('http://127.0.0.1:8086').env('FIELDLAB_INFLUX_URL'))
  .addOption(database())
  .addOption(port())
  .addOption(host())
  .addOption(logLevel())
  .addOption(logFormat())
  .option('--time-scale <n>', 'simulated seconds per real second', Number, 1)
  .option('--data-dir <dir>', 'where a demo influxd keeps its data', '.data')
  .option('--cold', 'start the line empty and cold (no warm start, no recorded past)', false)
  .option('--past-hours <n>', 'length of the previous shift written into an empty database at the first start (0: none)', Number, 8)
  .action(async (opts) => (await import('./demo.ts')).runDemo(opts));

program
  .command('gateway')
  .description('run the gateway for a real deployment')
  .addOption(site())
  .addOption(profiles())
  .addOption(new Option('--config <file>', 'gateway settings (YAML)').env('FIELDLAB_CONFIG'))
  .addOption(mqttUrl())
  .addOption(influxUrl())
  .addOption(database())
  .addOption(port())
  .addOption(host())
  .addOption(logLevel())
  .addOption(logFormat())
  .addOption(new Option('--spool-dir <dir>', 'disk spool for points InfluxDB has not confirmed (default .data/spool)').env('FIELDLAB_SPOOL_DIR'))
  .addOption(new Option('--users-file <file>', 'people and API tokens (fieldlab users …; default .data/users.json)').env('FIELDLAB_USERS_FILE'))
  .addOption(new Option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (and --tls-key)').env('FIELDLAB_HTTP_TLS_CERT'))
  .addOption(new Option('--tls-key <file>', 'the certificate\'s PEM private key').env('FIELDLAB_HTTP_TLS_KEY'))
  .action(async (opts) => (await import('./gateway.ts')).runGateway(opts));

program
  .command('simulate')
  .description('run the simulated machines of a site against an MQTT broker')
  .addOption(site())
  .addOption(profiles())
  .addOption(mqttUrl().default('mqtt://127.0.0.1:1883'))
  .option('--rate <n>', 'printer messages per second per device and topic', Number, 1)
  .option('--time-scale <n>', 'simulated seconds per real second', Number, 1)
  .addOption(new Option('--robot-host <addr>', 'address the robots\' OPC UA servers listen on (default: their endpoint\'s host)').env('FIELDLAB_ROBOT_BIND_HOST'))
  .option('--secure-robots', 'robots also offer Sign and SignAndEncrypt (Basic256Sha256)')
  .addOption(new Option('--robots-require-encryption', 'robots offer only SignAndEncrypt, log in only FIELDLAB_OPCUA_USERNAME, trust only the clients in their trusted/certs/').env('FIELDLAB_ROBOT_REQUIRE_ENCRYPTION'))
  .addOption(new Option('--pki-dir <dir>', 'where simulated robots keep their certificates (one folder per robot id)').default('.data/pki').env('FIELDLAB_ROBOT_PKI_DIR'))
  .addOption(logLevel())
  .addOption(logFormat())
  .action(async (opts) => (await import('./simulate.ts')).runSimulate(opts));

const gatewayUrl = () => new Option('--gateway <url>', 'the running gateway').default('http://127.0.0.1:8080').env('FIELDLAB_GATEWAY_URL');
const seriesCommand = program.command('series').description('production series on a running gateway: start, pause, resume, stop, status');
seriesCommand
  .command('start')
  .description('start a production series on a line')
  .requiredOption('--product <name>', 'what is produced')
  .requiredOption('--target <n>', 'good parts wanted', Number)
  .requiredOption('--line <id>', 'the line (site file id)')
  .option('--ideal-cycle-seconds <s>', 'the ideal cycle time of the line for this product (default: from the profiles)', Number)
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./series.ts')).seriesStart(opts));
seriesCommand
  .command('stop [id]')
  .description('stop a series (default: the one running, or the one on --line)')
  .option('--line <id>', 'the line whose series to stop')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (id: string | undefined, opts) => (await import('./series.ts')).seriesAct('stop', { ...opts, id }));
seriesCommand
  .command('pause [id]')
  .description('begin a planned stop (break, changeover): left out of planned time, so it does not lower availability')
  .requiredOption('--reason <text>', 'why production stops')
  .option('--line <id>', 'the line whose series to pause')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (id: string | undefined, opts) => (await import('./series.ts')).seriesAct('pause', { ...opts, id }));
seriesCommand
  .command('resume [id]')
  .description('end the planned stop')
  .option('--line <id>', 'the line whose series to resume')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (id: string | undefined, opts) => (await import('./series.ts')).seriesAct('resume', { ...opts, id }));
seriesCommand
  .command('status')
  .description('every series with its counts, cycle times, OEE and bottleneck')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./series.ts')).seriesStatus(opts));

const historyCommand = program.command('history').description('the fieldlab as InfluxDB recorded it, from a running gateway');
historyCommand
  .command('at <time>')
  .description('the state of every device at an instant (ISO 8601 with its zone, e.g. 2026-11-30T14:32:00Z, or epoch ms): values, machine states, alarms, series')
  .option('--device <ids>', 'only these devices (comma-separated)')
  .option('--line <ids>', 'only the devices of these lines')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (time: string, opts) => (await import('./history.ts')).historyAt(time, opts));

const experimentCommand = program.command('experiment').description('virtual experiments on a running gateway: what a change to a line would bring, simulated from its recorded history');
experimentCommand
  .command('run <scenario>')
  .description('run a scenario file (YAML or JSON) and print baseline against scenario: good parts per hour with 95 % intervals, the validation, the bottleneck')
  .addOption(gatewayUrl())
  .option('--json', 'print the whole experiment as JSON')
  .action(async (file: string, opts) => (await import('./experiment.ts')).experimentRun(file, opts));
experimentCommand
  .command('list')
  .description('every kept experiment, newest first')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./experiment.ts')).experimentList(opts));
experimentCommand
  .command('show <id>')
  .description('one experiment: its state, and its results when done')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (id: string, opts) => (await import('./experiment.ts')).experimentShow(id, opts));
experimentCommand
  .command('cancel <id>')
  .description('cancel a queued or running experiment')
  .addOption(gatewayUrl())
  .option('--json', 'print JSON')
  .action(async (id: string, opts) => (await import('./experiment.ts')).experimentCancel(id, opts));

const usersFile = () => new Option('--file <file>', 'the users file (the gateway\'s auth.usersFile)').default('.data/users.json').env('FIELDLAB_USERS_FILE');
const usersCommand = program.command('users').description('people who log in to the twin, and API tokens for scripts (docs/security.md)');
const roleOption = () => new Option('--role <role>', 'visitor, operator, engineer or admin');
usersCommand
  .command('add <name>')
  .description('add a user; the password is asked for (or read from standard input with --password-stdin)')
  .addOption(usersFile())
  .addOption(roleOption().makeOptionMandatory())
  .option('--password-stdin', 'read the password from standard input')
  .action(async (name: string, opts) => (await import('./users.ts')).usersAdd(name, opts));
usersCommand
  .command('passwd <name>')
  .description('set a user\'s password (and, with --role, their role); their sessions end')
  .addOption(usersFile())
  .addOption(roleOption())
  .option('--password-stdin', 'read the password from standard input')
  .action(async (name: string, opts) => (await import('./users.ts')).usersPasswd(name, opts));
usersCommand
  .command('remove <name>')
  .description('remove a user; their sessions and sockets end at once')
  .addOption(usersFile())
  .action(async (name: string, opts) => (await import('./users.ts')).usersRemove(name, opts));
usersCommand
  .command('logout <name>')
  .description('end every session of a user (the password stays); their sockets end at once')
  .addOption(usersFile())
  .action(async (name: string, opts) => (await import('./users.ts')).usersLogout(name, opts));
usersCommand
  .command('list')
  .description('users and API tokens (never their secrets)')
  .addOption(usersFile())
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./users.ts')).usersList(opts));
usersCommand
  .command('token <name>')
  .description('make an API token for a script (series, experiment commands: FIELDLAB_TOKEN or FIELDLAB_TOKEN_FILE); shown once')
  .addOption(usersFile())
  .addOption(roleOption().makeOptionMandatory())
  .option('--out <file>', 'write the token to this file (mode 0600) instead of printing it')
  .action(async (name: string, opts) => (await import('./users.ts')).usersToken(name, opts));
usersCommand
  .command('revoke <token-id>')
  .description('revoke an API token; its sockets are disconnected at once')
  .addOption(usersFile())
  .action(async (id: string, opts) => (await import('./users.ts')).usersRevoke(id, opts));
program
  .command('audit')
  .description('who acknowledged, started, stopped, paused or ran what, when, from where (an admin token: FIELDLAB_TOKEN)')
  .addOption(gatewayUrl())
  .option('--from <time>', 'from this time (ISO 8601 with its zone; default a week back)')
  .option('--to <time>', 'until this time (default now)')
  .option('--limit <n>', 'at most this many, newest first (default 500)')
  .option('--json', 'print JSON')
  .action(async (opts) => (await import('./audit.ts')).auditList(opts));
const deployCommand = program.command('deploy').description('prepare a compose deployment');
deployCommand
  .command('credentials')
  .description('from the site: Mosquitto password file and ACL, random passwords (files, mode 0600), a CA with TLS certificates, OPC UA certificates trusted both ways')
  .addOption(site())
  .addOption(profiles())
  .option('--out <dir>', 'where to write them (kept on a rerun, new devices added)', 'deploy/secrets')
  .option('--host <name...>', 'another name or address the servers are reached by (in every server certificate)')
  .option('--json', 'print what was written as JSON')
  .action(async (opts) => (await import('./deploy-credentials.ts')).runDeployCredentials(opts));

const profilesCommand = program.command('profiles').description('device profiles');
profilesCommand
  .command('check')
  .description('validate every profile and a site file; exit 2 with each problem if any')
  .addOption(site())
  .addOption(profiles())
  .action(async (opts) => (await import('./profiles-check.ts')).runProfilesCheck(opts));
profilesCommand
  .command('browse <endpoint>')
  .description('walk a live OPC UA server below a device root and write a profile skeleton')
  .option('--root <path>', 'browse path of the device from the Objects folder', 'machinery:Machines/[1]')
  .option('--id <id>', 'profile id', 'new-opcua-device')
  .option('--kind <kind>', 'device kind', 'robot-arm')
  .option('--out <file>', 'write the profile here instead of standard output')
  .action(async (endpoint: string, opts: { root: string; id: string; kind: string; out?: string }) => {
    const { browseProfile } = await import('../sources/opcua/browse-profile.ts');
    const { writeFileSync } = await import('node:fs');
    const yaml = await browseProfile({ endpoint, root: opts.root, id: opts.id, kind: opts.kind as never });
    if (opts.out) writeFileSync(opts.out, yaml);
    else process.stdout.write(yaml);
  });

try {
  await program.parseAsync();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`fieldlab: invalid configuration\n${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`fieldlab: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
