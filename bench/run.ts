// `npm run bench`: every benchmark, each against its floor in the same run.
// Options: --quick (smaller runs), --json FILE (write the results), --kiosk-minutes N (the
// kiosk soak's length: 30 by default, 5 with --quick; 480 is the working day),
// --kiosk-sample-seconds N (60 by default), --kiosk-time-scale N (the simulated line runs N
// times as fast: a working day's events in a shorter run; 1 by default).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { benchMqttIngest, type IngestOptions, type IngestResult } from './mqtt-ingest/bench.ts';
import { benchOpcUaIngest, type OpcUaIngestResult } from './opcua-ingest/bench.ts';
import { benchClients, benchLatency } from './live-hub/bench.ts';
import { benchFrames } from './live-hub/frames.ts';
import { benchSpoolDrain, type DrainResult } from './spool/drain.ts';
import { benchJournal, type JournalResult } from './insight/journal.ts';
import { benchKioskSoak, GROWTH_BUDGET_MB, STALL_BUDGET_MS, type SoakResult } from './kiosk/soak.ts';
import { benchHistorySeek, withSyntheticHistory, type SeekResult } from './history/seek.ts';
import { benchViewerSeek, type ViewerSeekResult } from './replay/seek.ts';
import { benchPlayback } from './replay/playback.ts';
import { benchScenarioPlay, type ScenarioPlayResult } from './experiments/scenario-play.ts';
import { load } from './replay/viewer.ts';
import { benchDemoStart } from './demo/start.ts';
import { benchDesExperiment, type DesExperimentResult } from './des/experiment.ts';
import { benchDesKernel, type DesKernelResult } from './des/kernel.ts';
import { benchExperimentIngest, type ExperimentIngestResult } from './experiments/ingest.ts';
import { benchAuthOverhead, type AuthOverheadResult } from './auth/overhead.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
/** `--only mqtt,spool,insight,journal,opcua,live,frames,kiosk,history,replay,demo,des,experiments,scenario,auth` runs a part of the suite. */
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1]!.split(',')) : undefined;
const runs = (part: string) => !only || only.has(part);
const jsonAt = args.indexOf('--json');
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1]! : 'bench/results/latest.json';
const numberArg = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);

// A large print farm at its own pace (60 printers, ~5 messages/s each), then a stress run.
const ingest: IngestResult[] = [];
const loads: [string, IngestOptions][] = [
  ['fieldlab load', quick ? { printers: 60, messagesPerRound: 1_500, rate: 300, rounds: 3 } : { printers: 60, messagesPerRound: 3_000, rate: 300, rounds: 5 }],
  ['stress', quick ? { printers: 30, messagesPerRound: 10_000, rate: 5_000, rounds: 3 } : { printers: 60, messagesPerRound: 40_000, rate: 8_000, rounds: 5 }],
];
for (const [label, options] of runs('mqtt') ? loads : []) {
  const r = await benchMqttIngest(options);
  printIngest(label, r);
  ingest.push(r);
}
// The disk spool's cost on the ingest path: the gateway as shipped vs the same with the spool off.
const spoolLoads: [string, IngestOptions][] = loads.map(([label, o]) => [label, { ...o, roles: ['gateway', 'gateway-nospool'], target: 1.25 }]);
for (const [label, options] of runs('spool') ? spoolLoads : []) {
  const r = await benchMqttIngest(options);
  printIngest(`spool on vs off, ${label}`, r);
  ingest.push(r);
}
// Machine states, alarms and part counting on the ingest path: as shipped vs the same gateway without them.
const insightLoads: [string, IngestOptions][] = loads.map(([label, o]) => [label, { ...o, roles: ['gateway', 'gateway-plain'], target: 1.15 }]);
for (const [label, options] of runs('insight') ? insightLoads : []) {
  const r = await benchMqttIngest(options);
  printIngest(`states, alarms and parts on vs off, ${label}`, r);
  ingest.push(r);
}
const journals: JournalResult[] = [];
if (runs('journal')) {
  const r = benchJournal(quick ? 20_000 : 50_000, quick ? 3 : 5);
  journals.push(r);
  console.log(`\nSeries journal: ${r.parts.toLocaleString('en')} robot cycles counted in a running series, with vs without the journal (median of ${r.rounds} rounds each)`);
  console.log(`  with ${r.withJournal.toFixed(2)} µs/part, without ${r.without.toFixed(2)} µs/part, ratio ${r.ratio.toFixed(2)}; journal ${(r.journalBytes / 2 ** 20).toFixed(1)} MB at the end`);
}
const drains: DrainResult[] = [];
if (runs('spool')) {
  const r = await benchSpoolDrain(quick ? 200_000 : 1_000_000);
  drains.push(r);
  console.log(`\nSpool drain after an outage: ${r.points.toLocaleString('en')} points (${(r.spoolBytes / 2 ** 20).toFixed(0)} MB on disk), against the same points written from memory`);
  console.log(`  spooling while InfluxDB was down: ${r.spoolAppendPerSec.toFixed(0)} points/s (one append per point)`);
  console.log(`  drain, unpaced:                    ${r.drainSeconds.toFixed(1)} s = ${r.drainPointsPerSec.toFixed(0)} points/s`);
  console.log(`  floor, from memory, no spool:      ${r.floorSeconds.toFixed(1)} s = ${r.floorPointsPerSec.toFixed(0)} points/s   ratio ${r.ratio.toFixed(2)}`);
  console.log(`  drain, paced at ${r.replayPointsPerSecond}/s (default): ${r.pacedSeconds.toFixed(1)} s = ${r.pacedPointsPerSec.toFixed(0)} points/s`);
  console.log(`  stored: unpaced ${r.stored.unpaced}, paced ${r.stored.paced}, floor ${r.stored.floor}`);
}
const robots: OpcUaIngestResult[] = [];
for (const n of runs('opcua') ? [4, 20] : []) {
  const r = await benchOpcUaIngest(n, quick ? 5 : 10, quick ? 3 : 5);
  printOpcUa(r);
  robots.push(r);
}

const seconds = quick ? 6 : 15;
// Headers only for the parts that run.
const header = (part: string, ...lines: string[]) => runs(part) && console.log(lines.join('\n'));
header('live', '\nLive hub: publish → socket.io client, gateway (20 Hz coalescing) vs a bare mqtt.js → socket.io relay', 'printers  msg/s   gateway p50/p99 ms   relay p50/p99 ms   bytes/s per viewer (gateway / relay)');
const latency = [];
for (const printers of runs('live') ? [8, 80] : []) {
  const r = await benchLatency(printers, 5, seconds);
  latency.push(r);
  console.log(
    `${String(printers).padStart(8)}  ${String(printers * 5).padStart(5)}   ${`${r.gateway.p50} / ${r.gateway.p99}`.padStart(18)}   ${`${r.relay.p50} / ${r.relay.p99}`.padStart(16)}   ${r.gatewayBytesPerSec.toFixed(0)} / ${r.relayBytesPerSec.toFixed(0)}`,
  );
}
header('live', '\nLive hub: gateway CPU with viewers connected (target: 200 viewers add less than ingest itself)', 'printers  viewers  gateway CPU %  added over ingest');
const clients = [];
for (const printers of runs('live') ? [8, 80] : []) {
  for (const r of await benchClients(printers, 5, [1, 50, 200], seconds)) {
    clients.push(r);
    console.log(`${String(r.printers).padStart(8)}  ${String(r.clients).padStart(7)}  ${r.cpuPercent.toFixed(2).padStart(13)}  ${r.addedOverIngest.toFixed(2).padStart(17)}`);
  }
}
// `--before REF`: the viewer the frame benchmark compares against (default: main).
const beforeAt = args.indexOf('--before');
const beforeRef = beforeAt >= 0 ? args[beforeAt + 1]! : 'main';
header('frames', `\nViewer frames in headless Chromium (software WebGL, 1280×720): before = ${beforeRef}, after = working tree`, 'site          devices   before ms/frame  draw calls  triangles   after ms/frame  draw calls  triangles');
const frames = runs('frames') ? await benchFrames(quick ? 10 : 30, beforeRef) : [];
for (const site of [...new Set(frames.map((f) => f.site))]) {
  const b = frames.find((f) => f.site === site && f.viewer === 'before')!;
  const a = frames.find((f) => f.site === site && f.viewer === 'after')!;
  const cols = (f: (typeof frames)[number]) => `${f.meanMs.toFixed(1).padStart(15)}  ${String(f.drawCalls).padStart(10)}  ${String(f.triangles).padStart(9)}`;
  console.log(`${site.padEnd(12)}  ${String(a.devices).padStart(7)}   ${cols(b)}  ${cols(a)}`);
}
const perSite = (v: 'before' | 'after') => frames.filter((f) => f.viewer === v).map((f) => f.drawCalls);
if (frames.length === 4) for (const v of ['before', 'after'] as const) console.log(`  ${v}: draw calls 10× / 1× = ${(perSite(v)[1]! / perSite(v)[0]!).toFixed(2)}`);

const soaks: SoakResult[] = [];
if (runs('kiosk')) {
  const minutes = numberArg('--kiosk-minutes', quick ? 5 : 30);
  const sampleSeconds = numberArg('--kiosk-sample-seconds', 60);
  const timeScale = numberArg('--kiosk-time-scale', 1);
  const line = timeScale === 1 ? '' : `, the line at ${timeScale}× (${((minutes * timeScale) / 60).toFixed(1)} h of its events)`;
  console.log(`\nKiosk soak: headless Chromium on ?mode=kiosk (1920×1080) with the demo line running, ${minutes} min${line}, the gateway restarted half-way`);
  console.log('     s  JS heap MB  Chromium RSS MB  DOM nodes  longest frame gap ms  connection');
  const r = await benchKioskSoak({
    minutes,
    sampleSeconds,
    timeScale,
    onSample: (s) => console.log(`${s.at.toFixed(0).padStart(6)}  ${s.heapMb.toFixed(1).padStart(10)}  ${s.rssMb.toFixed(0).padStart(15)}  ${String(s.domNodes).padStart(9)}  ${s.stallMs.toFixed(0).padStart(20)}  ${s.connection}`),
  });
  soaks.push(r);
  console.log(
    `growth after ${r.warmupSeconds} s of warm-up: heap ${r.heapGrowthMb.toFixed(1)} MB, RSS ${r.rssGrowthMb.toFixed(0)} MB (budget < ${GROWTH_BUDGET_MB}; from the first sample: heap ${r.rawHeapGrowthMb.toFixed(1)}, RSS ${r.rawRssGrowthMb.toFixed(0)}); longest stall ${r.longestStallMs.toFixed(0)} ms (budget < ${STALL_BUDGET_MS}); ` +
      `back after the restart in ${r.recoverySeconds === null ? 'NEVER' : `${r.recoverySeconds.toFixed(1)} s`}   ${r.pass ? 'PASS' : 'FAIL'}`,
  );
}

header('history', '\nHistory: seek and a 24-hour window, 50 printers with 7 days written (synthetic, one point per printer every 30 s)');
// One written history serves the history API's seek and the viewer's, when both run.
const history: SeekResult[] = [];
const viewerSeeks: ViewerSeekResult[] = [];
if (runs('history') || runs('replay')) {
  await withSyntheticHistory(quick ? { days: 2 } : {}, async (h) => {
    if (runs('history')) history.push(await benchHistorySeek(h, quick ? { seeks: 20 } : {}));
    if (runs('replay')) viewerSeeks.push(await benchViewerSeek(h, { seeks: quick ? 15 : 40 }));
  });
}
for (const h of history) {
  console.log(`  written: ${h.points.toLocaleString('en')} points in ${h.writeSeconds.toFixed(1)} s`);
  console.log(`  seek (/api/history/at, all ${h.devices} devices): p50 ${h.seekP50Ms.toFixed(0)} ms, p95 ${h.seekP95Ms.toFixed(0)} ms; floor (the one values query): p50 ${h.floorP50Ms.toFixed(0)} ms, p95 ${h.floorP95Ms.toFixed(0)} ms; ratio p95 ${(h.seekP95Ms / h.floorP95Ms).toFixed(2)}`);
  console.log(`  24 h of one printer: /api/history/changes (step ${h.window.step} s) ${(h.window.apiBytes / 1024).toFixed(0)} KB in ${h.window.apiMs.toFixed(0)} ms; naive SELECT * ${(h.window.naiveBytes / 1024).toFixed(0)} KB in ${h.window.naiveMs.toFixed(0)} ms`);
}

header('replay', `\nReplay in the viewer: headless Chromium, software WebGL, 1280×720 (load average ${loadText(load())})`);
for (const r of viewerSeeks) {
  console.log(`Seek, request → scene updated: ${r.devices} printers with ${r.days} days written (synthetic, ${r.points.toLocaleString('en')} points in ${r.writeSeconds.toFixed(1)} s), ${r.seeks} random instants`);
  console.log(`  viewer (fieldlabTwin.seek: /at, then a drawn frame): p50 ${r.viewerP50Ms.toFixed(0)} ms, p95 ${r.viewerP95Ms.toFixed(0)} ms (target p95 < ${r.targetP95Ms} ms: ${r.pass ? 'met' : 'NOT met'})`);
  console.log(`  API alone (the same /at from Node): p50 ${r.apiP50Ms.toFixed(0)} ms, p95 ${r.apiP95Ms.toFixed(0)} ms; floor (the one values query): p50 ${r.floorP50Ms.toFixed(0)} ms, p95 ${r.floorP95Ms.toFixed(0)} ms; ratio p95 viewer/floor ${(r.viewerP95Ms / r.floorP95Ms).toFixed(2)}; one frame of this scene ${r.frameMs.toFixed(0)} ms; load ${r.load.before[0]!.toFixed(1)} → ${r.load.after[0]!.toFixed(1)}`);
}
const playbacks = runs('replay') ? [await benchPlayback({ hours: quick ? 0.25 : 1 })] : [];
for (const r of playbacks) {
  console.log(`Playback: the demo site's ${r.hours} h past (${r.devices} devices, ${r.pointsWritten.toLocaleString('en')} points written in ${r.writeSeconds.toFixed(1)} s), from ?at=<its start>&speed=${r.speed} to its end`);
  const where = r.stallEpisodes.map((e) => `${e.ms} ms at minute ${e.atMinute.toFixed(1)} (${e.wallS.toFixed(1)} s after landing)`).join(', ');
  console.log(`  played ${r.replayedMinutes.toFixed(1)} min in ${r.replay.wallS.toFixed(1)} s (${r.effectiveSpeed.toFixed(1)}× after landing ${(r.landedMs / 1000).toFixed(1)} s from opening)${r.finished ? '' : ' — did NOT reach the end in time'}; stalls after the seek landed: ${r.stalls} (${r.stalledMs.toFixed(0)} ms; target none)${where ? `: ${where}` : ''}`);
  const sc = r.speedChange;
  const scWhere = sc.episodes.map((e) => `${e.ms} ms at minute ${e.atMinute.toFixed(1)} (${e.wallS.toFixed(1)} s after play)`).join(', ');
  console.log(`  after a speed change (seek paused at 1×, then play at ${r.speed}× for ${sc.wallS.toFixed(0)} s): stalls ${sc.stalls} (${sc.stalledMs.toFixed(0)} ms)${scWhere ? `: ${scWhere}` : ''}`);
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const parts = Object.entries(r.byEndpoint).map(([e, x]) => `${e} ${x.requests} × = ${kb(x.bytes)}`).join(', ');
  console.log(`  history API: ${kb(r.bytes)} in ${r.requests} requests = ${(r.bytesPerReplayedMinute / 1024).toFixed(1)} KB per replayed minute (${parts}; the landing seek ${kb(r.seekBytes)}); one ${r.window.minutes}-minute window stepped at ${r.window.step} s ${kb(r.window.steppedBytes)}, raw ${kb(r.window.rawBytes)}`);
  const pc = (x: number) => `${(x * 100).toFixed(1)} %`;
  console.log(`  gateway CPU (in this process; share of one core over ${r.replay.wallS.toFixed(0)} s): replaying ${pc(r.replay.gateway)}, floor (viewer live, idle) ${pc(r.idle.gateway)}, replay's cost ${pc(r.replay.gateway - r.idle.gateway)}; influxd ${pc(r.replay.influxd)} vs ${pc(r.idle.influxd)}; load ${r.load.before[0]!.toFixed(1)} → ${r.load.after[0]!.toFixed(1)}`);
}

header('demo', '\nThe demo as a newcomer starts it: warm (the default) and --cold, one after the other');
const demo = runs('demo') ? await benchDemoStart(quick ? { waitS: 60, pastHours: 1 } : {}) : [];
for (const d of demo) {
  const s = (x: number | null) => (x === null ? `> ${d.waitedS} s` : `${x.toFixed(1)} s`);
  console.log(`  ${d.mode.padEnd(5)} first robot motion ${s(d.firstMotionS)}, first part on the conveyor ${s(d.firstPartOnConveyorS)}`);
  if (d.past) console.log(`        recorded past: ${d.past.hours} h shift, ${d.past.points.toLocaleString('en')} points in ${d.past.seconds.toFixed(1)} s (${d.past.pointsPerSecond.toLocaleString('en')} points/s)`);
}

const des: DesKernelResult[] = [];
if (runs('des')) {
  const r = benchDesKernel(quick ? { events: 1_000_000, rounds: 3, replications: 5 } : {});
  des.push(r);
  const rate = (x: { eventsPerSecond: number }) => `${(x.eventsPerSecond / 1e6).toFixed(2)} M events/s`;
  console.log(`\nDES kernel, single thread (median of ${r.rounds} rounds; load average ${r.loadavg.map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`  M/M/1 at 90 % load, ${r.mm1.events.toLocaleString('en')} events: ${rate(r.mm1)} (target ≥ 1 M)   ${r.mm1.eventsPerSecond >= 1e6 ? 'PASS' : 'FAIL'}`);
  console.log(`  floor, bare flatqueue pop + push, same events: ${rate(r.floorHeap)}   ratio floor/model ${r.ratio.toFixed(2)}`);
  console.log(`  floor, the kernel's EventQueue alone:          ${rate(r.floorQueue)}`);
  console.log(`  demo line, one simulated week (${r.demo.eventsPerReplication.toFixed(0)} events): ${r.demo.simulateMs.toFixed(1)} ms simulated, ${r.demo.replicationMs.toFixed(1)} ms per replication with every figure; ${rate(r.demo)} (${r.demo.replications} replications)`);
}
const experiments: DesExperimentResult[] = [];
if (runs('des')) {
  const e = benchDesExperiment(quick ? { replications: 5 } : {});
  experiments.push(e);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\nVirtual experiment, demo line, single thread (load average ${e.loadavg.map((l) => l.toFixed(2)).join(' ')})`);
  console.log(`  calibration from a ${e.recordHours} h record: ${e.calibrateMs.toFixed(0)} ms`);
  console.log(`  runExperiment, ${e.replications} replications of baseline + one scenario over ${e.horizonHours} h, validation included: ${s(e.experimentMs)} (target < 10 s)   ${e.experimentMs < 10_000 ? 'PASS' : 'FAIL'}`);
  console.log(`    validation ${s(e.validationMs)}, ${e.weekReplicationMs.toFixed(1)} ms per week replication; on two threads about ${s(e.twoThreadsEstimateMs)} (estimate)`);
  console.log(`  peak RSS ${e.peakRssMb.toFixed(0)} MB, result ${e.resultJsonKb.toFixed(0)} kB of JSON`);
}

// The ingest path while a virtual experiment runs in its worker thread, against none, side by side.
const experimentIngest: ExperimentIngestResult[] = [];
if (runs('experiments')) {
  const r = await benchExperimentIngest(quick ? { printers: 60, rate: 300, messagesPerRound: 1_500, pairs: 3, pastHours: 1 } : { printers: 60, rate: 300, messagesPerRound: 3_000, pairs: 5, pastHours: 2 });
  experimentIngest.push(r);
  const o = r.options;
  const la = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nIngest while an experiment runs: MQTT → gateway → InfluxDB, ${o.printers} printers at ${o.rate} msg/s, ${o.messagesPerRound} messages a round, broker: ${r.broker} (load average ${la(r.loadavg.before)} → ${la(r.loadavg.after)})`);
  console.log(`  experiment: the real engine in its worker thread, "${r.scenario.name}" over ${(r.scenario.horizon as { hours: number }).hours} h × ${r.scenario.replications} replications (cancelled after its round), calibrated from the demo line's ${r.past.hours} h past (${r.past.points.toLocaleString('en')} points written in ${r.past.seconds.toFixed(1)} s)`);
  console.log('pair  experiment  messages  main-thread active µs/msg  loop busy  main-thread CPU µs/msg  lag p50/p99/max ms  lost  experiment at');
  r.pairs.forEach((p, i) => {
    for (const x of [p.none, p.running]) {
      const at = x.experimentProgress === null ? '-' : `${(x.experimentProgress * 100).toFixed(0)} %`;
      console.log(
        `${String(i + 1).padStart(4)}  ${(x.experiment ? 'running' : 'none').padEnd(10)}  ${String(x.messages).padStart(8)}  ${(x.activeMsPerMessage * 1000).toFixed(1).padStart(26)}  ${`${(x.utilisation * 100).toFixed(1)} %`.padStart(9)}  ${(x.cpuMsPerMessage === null ? '-' : (x.cpuMsPerMessage * 1000).toFixed(1)).padStart(22)}  ${`${x.lagP50Ms} / ${x.lagP99Ms} / ${x.lagMaxMs}`.padStart(18)}  ${String(x.lost).padStart(4)}  ${at.padStart(13)}`,
      );
    }
    console.log(`      ratio running/none per message: active time ${p.ratio.toFixed(2)}, CPU ${p.cpuRatio === null ? '-' : p.cpuRatio.toFixed(2)}`);
  });
  console.log(`median ratio running/none: main-thread CPU per message ${r.medianCpuRatio === null ? '-' : r.medianCpuRatio.toFixed(2)}, event-loop active time ${r.medianRatio.toFixed(2)} (target ≤ ${r.target} on ${r.judgedOn === 'cpu' ? 'the CPU' : 'the active time'})   published ${r.published}, in InfluxDB ${r.storedInInflux}, lost ${r.lost}   ${r.pass ? 'PASS' : 'FAIL'}`);
}

// A simulated replication played in the scene, against the live scene, side by side.
const scenarioPlays: ScenarioPlayResult[] = [];
if (runs('scenario')) {
  const r = await benchScenarioPlay({ rounds: quick ? 3 : 5 });
  scenarioPlays.push(r);
  const la = (l: readonly number[]) => l.map((x) => x.toFixed(2)).join(' ');
  const ms = (xs: readonly number[]) => xs.map((x) => x.toFixed(0)).join(' / ');
  console.log(`\nScenario played in the scene: headless Chromium, software WebGL, 1280×720, demo line +1 printer over 24 h (load average ${la(r.load.before)} → ${la(r.load.after)})`);
  console.log(`  frame time, ${r.framesPerMeasure} forced frames a round, live: ${ms(r.liveMs)} ms; scenario at 60×: ${ms(r.scenarioMs)} ms; median ratio scenario/live ${r.medianRatio.toFixed(2)} (target ≤ 1.2)   ${r.medianRatio <= 1.2 ? 'PASS' : 'FAIL'}`);
  console.log(`  draw calls live ${r.drawCalls.live}, scenario ${r.drawCalls.scenario}; frames drawn per second live ${r.liveFps.map((x) => x.toFixed(1)).join(' / ')}, scenario playing ${r.scenarioFps.map((x) => x.toFixed(1)).join(' / ')}`);
  console.log(`  a simulated day at ${r.day.speed}×: ${r.day.wallS.toFixed(1)} s, ${r.day.frames} frames, longest gap ${r.day.longestGapMs.toFixed(0)} ms, stalls > 2 s: ${r.day.stalls}, reached the end: ${r.day.reachedEnd ? 'yes' : 'no'}   ${r.day.stalls === 0 && r.day.reachedEnd ? 'PASS' : 'FAIL'}`);
}

mkdirSync(dirname(jsonFile), { recursive: true });
const auths: AuthOverheadResult[] = [];
if (runs('auth')) {
  header('auth', '\nLogins and roles: GET /api/devices with the auth hooks vs the same route bare, side by side (target: median ratio ≤ 1.3)');
  const r = await benchAuthOverhead(quick ? { requests: 1_000, rounds: 3 } : { requests: 3_000, rounds: 5 });
  auths.push(r);
  const ms = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' · ');
  console.log(`  ${r.requestsPerRound} requests a round, ${r.concurrency} at a time; mean ms per request, round by round`);
  console.log(`  bare ${ms(r.bareMs)}\n  anonymous ${ms(r.anonymousMs)}\n  session cookie ${ms(r.cookieMs)}\n  bearer token ${ms(r.tokenMs)}`);
  const verdict = (x: number) => `${x.toFixed(2)} ${x <= 1.3 ? 'PASS' : 'FAIL'}`;
  console.log(`  median ratio to bare: anonymous ${verdict(r.medianRatio.anonymous)}, cookie ${verdict(r.medianRatio.cookie)}, token ${verdict(r.medianRatio.token)}; one login (scrypt) ${r.loginMs.toFixed(0)} ms`);
}

writeFileSync(jsonFile, JSON.stringify({ at: new Date().toISOString(), node: process.version, results: [...ingest, ...journals.map((j) => ({ name: 'series-journal', ...j })), ...drains, ...robots, { name: 'live-latency', latency }, { name: 'live-clients', clients }, { name: 'viewer-frames', frames }, ...history.map((h) => ({ name: 'history-seek', ...h })), ...viewerSeeks.map((r) => ({ name: 'replay-seek', ...r })), ...playbacks.map((r) => ({ name: 'replay-playback', ...r })), ...demo.map((d) => ({ name: 'demo-start', ...d })), ...soaks, ...des, ...experiments, ...experimentIngest, ...scenarioPlays.map((r) => ({ name: 'scenario-play', ...r })), ...auths.map((r) => ({ name: 'auth-overhead', ...r }))] }, null, 2));
console.log(`\nresults written to ${jsonFile}`);
process.exit(0);

function loadText(l: readonly number[]): string {
  return l.map((x) => x.toFixed(1)).join(' / ');
}

function printIngest(label: string, r: IngestResult): void {
  const o = r.options;
  console.log(`\nMQTT printer telemetry → gateway → InfluxDB, ${label}   (${o.printers} printers, ${o.messagesPerRound} messages × ${o.rounds} rounds at ${o.rate}/s, broker: ${r.broker})`);
  console.log('round  role             messages  points stored  points/s  CPU µs/msg  peak RSS MB');
  r.rounds.forEach((round, i) => {
    for (const w of [round.gateway, round.floor]) {
      const gateway = w.role.startsWith('gateway');
      const perSec = (gateway ? w.pointsWritten : w.messages) / (w.wallMs / 1000);
      console.log(
        `${String(i + 1).padStart(5)}  ${w.role.padEnd(15)}  ${String(w.messages).padStart(8)}  ${String(gateway ? w.pointsWritten : '-').padStart(13)}  ${perSec.toFixed(0).padStart(8)}  ${(w.cpuMicros / w.messages).toFixed(2).padStart(10)}  ${w.peakRssMb.toFixed(0).padStart(11)}`,
      );
    }
    console.log(`       ratio ${r.roles[0]}/${r.roles[1]} CPU per message: ${round.ratio.toFixed(2)}`);
  });
  console.log(`median ratio ${r.medianRatio.toFixed(2)} (target ≤ ${r.target})   published ${r.published}, in InfluxDB ${r.storedInInflux}   ${r.pass ? 'PASS' : 'FAIL'}`);
}

function printOpcUa(r: OpcUaIngestResult): void {
  console.log(`\nOPC UA robots → gateway → InfluxDB   (${r.robots} robots × 6 axes × position/speed/load at 50 ms, ${r.windows.length} windows of ${r.seconds} s)`);
  console.log('window  role      changes/s  CPU µs/change  points/s  lag p99 ms  peak RSS MB');
  r.windows.forEach((w, i) => {
    for (const x of [w.gateway, w.floor]) {
      const gw = x.role === 'gateway';
      console.log(
        `${String(i + 1).padStart(6)}  ${x.role.padEnd(8)}  ${(x.changes / x.seconds).toFixed(0).padStart(9)}  ${(x.cpuMicros / x.changes).toFixed(2).padStart(13)}  ${(gw ? (x.pointsWritten / x.seconds).toFixed(0) : '-').padStart(8)}  ${(gw ? String(x.lagP99Ms) : '-').padStart(10)}  ${x.peakRssMb.toFixed(0).padStart(11)}`,
      );
    }
    console.log(`        ratio gateway/floor CPU per change: ${w.ratio.toFixed(2)}`);
  });
  console.log(`median ratio ${r.ratio.toFixed(2)} (target ≤ ${r.target})   kept up: ${r.keptUp ? 'yes' : 'NO'}   ${r.pass ? 'PASS' : 'FAIL'}`);
}
