// The line as a discrete-event model: parts pass the stations in order; each station's
// machines work in parallel; a finite buffer before each station; blocking after service
// (a machine whose finished part finds the next buffer full holds it, blocked, until a place
// frees); scrap leaves the line where it is found; breakdowns by operating time; setups at
// the start and after each off-shift period; a calendar during whose off-shift time the whole
// line is frozen (work, repairs and setups are interrupted and taken up again where they
// were; nothing is finished off shift). Every machine's time is split into the six states of
// `machine-states.ts`, summing to the measured window.
//
// The hot loop works on numbers only: machines are indices into typed arrays, events are
// (time, kind, machine), and moving a part allocates nothing. Events at one time run in the
// order they were scheduled, so a seed gives one run.
import { checkCalendar, isWorking, nextChange } from './calendar.ts';
import { sampler, type Sampler } from './distributions.ts';
import { EventQueue } from './event-queue.ts';
import { IndexRing, PartQueue } from './growable.ts';
import type { LineParams } from './line-params.ts';
import { LineRecorder } from './line-recorder.ts';
import { buildResult, type LineResult } from './line-result.ts';
import type { LineTrace } from './line-trace.ts';
import { BLOCKED, FAILED, OFF_SHIFT, SETUP, STARVED, WORKING } from './machine-states.ts';
import { RandomStreams, type RandomStream } from './random-streams.ts';

// Event kinds.
const ARRIVE = 0;
const END_WORK = 1;
const FAIL = 2;
const END_REPAIR = 3;
const END_SETUP = 4;
const SHIFT = 5;
const WARMUP = 6;
const END = 7;

// What a machine holds.
const NO_PART = 0;
const IN_WORK = 1;
const FINISHED = 2;

/** Runs one replication of the line. Pure: the same parameters give the same result. */
export function runLine(params: LineParams): LineResult {
  const run = simulateLine(params);
  return buildResult(params, run.recorder, run.events);
}

/** The simulation alone, without the figures (the benchmark times the two apart). */
export function simulateLine(params: LineParams): { recorder: LineRecorder; events: number } {
  return new LineRun(params).run();
}

/**
 * The run again, its events written to `trace` as they happen (state changes, buffer levels,
 * parts). The same parameters give the same run as `runLine`: the trace only listens.
 */
export function traceLine(params: LineParams, trace: LineTrace): { recorder: LineRecorder; events: number } {
  const run = new LineRun(params, trace).run();
  trace.close();
  return run;
}

class LineRun {
  private readonly q: EventQueue;
  private now = 0;
  private stopped = false;
  private offShift = false;
  private readonly stations: number;
  private readonly machines: number;
  private readonly end: number;
  private readonly target: number;
  private readonly warmup: number;

  // Per machine.
  private readonly stationOf: Int32Array;
  private readonly cycle: Sampler[] = [];
  private readonly cycleRng: RandomStream[] = [];
  private readonly between: (Sampler | undefined)[] = [];
  private readonly repair: (Sampler | undefined)[] = [];
  private readonly failureRng: RandomStream[] = [];
  private readonly repairRng: RandomStream[] = [];
  private readonly setup: (Sampler | undefined)[] = [];
  private readonly setupRng: RandomStream[] = [];
  private readonly phase: Uint8Array;
  private readonly part: Uint8Array;
  private readonly lineEntry: Float64Array;
  private readonly stationEntry: Float64Array;
  private readonly workLeft: Float64Array;
  /** Operating time left until the next failure. */
  private readonly ttf: Float64Array;
  private readonly down: Uint8Array;
  private readonly repairLeft: Float64Array;
  private readonly needsSetup: Uint8Array;
  private readonly phaseStart: Float64Array;
  private readonly pending: Int32Array;

  // Per station.
  private readonly buffer: PartQueue[] = [];
  private readonly capacity: Float64Array;
  private readonly scrap: Float64Array;
  private readonly scrapRng: RandomStream[] = [];
  private readonly waiting: IndexRing[] = [];
  private readonly blocked: IndexRing[] = [];
  private readonly arrivals: Sampler | undefined;
  private readonly arrivalRng: RandomStream;

  private readonly rec: LineRecorder;

  constructor(
    readonly params: LineParams,
    /** Undefined in every untraced run: each hook below is then one comparison. */
    private readonly trace?: LineTrace,
  ) {
    const p = params;
    check(p);
    const streams = new RandomStreams(p.seed);
    this.stations = p.stations.length;
    const machineList = p.stations.flatMap((s, i) => s.machines.map((m) => ({ m, station: i })));
    const n = (this.machines = machineList.length);
    this.end = 'seconds' in p.horizon ? p.horizon.seconds : p.horizon.maxSeconds;
    this.target = 'goodParts' in p.horizon ? p.horizon.goodParts : Infinity;
    this.warmup = p.warmupSeconds ?? 0;
    this.q = new EventQueue(2 * n + 16);
    this.stationOf = Int32Array.from(machineList, (x) => x.station);
    for (const { m } of machineList) {
      this.cycle.push(sampler(m.cycle));
      this.cycleRng.push(streams.get(`${m.id}/cycle`));
      this.between.push(m.failures && sampler(m.failures.between));
      this.repair.push(m.failures && sampler(m.failures.repair));
      this.failureRng.push(streams.get(`${m.id}/failure`));
      this.repairRng.push(streams.get(`${m.id}/repair`));
      this.setup.push(m.setup && sampler(m.setup));
      this.setupRng.push(streams.get(`${m.id}/setup`));
    }
    this.phase = new Uint8Array(n).fill(STARVED);
    this.part = new Uint8Array(n);
    this.lineEntry = new Float64Array(n);
    this.stationEntry = new Float64Array(n);
    this.workLeft = new Float64Array(n);
    this.ttf = new Float64Array(n);
    this.down = new Uint8Array(n);
    this.repairLeft = new Float64Array(n);
    this.needsSetup = new Uint8Array(n);
    this.phaseStart = new Float64Array(n);
    this.pending = new Int32Array(n).fill(-1);
    this.capacity = Float64Array.from(p.stations, (s, i) => (i === 0 ? Infinity : (s.buffer ?? Infinity)));
    this.scrap = Float64Array.from(p.stations, (s) => s.scrap ?? 0);
    for (const s of p.stations) {
      this.buffer.push(new PartQueue());
      this.scrapRng.push(streams.get(`${s.id}/scrap`));
      this.waiting.push(new IndexRing(s.machines.length));
      this.blocked.push(new IndexRing(s.machines.length));
    }
    this.arrivals = p.arrivals && sampler(p.arrivals);
    this.arrivalRng = streams.get('arrivals');
    this.rec = new LineRecorder(this.stations, n);
  }

  run(): { recorder: LineRecorder; events: number } {
    const q = this.q;
    const p = this.params;
    const cal = p.calendar;
    if (cal) {
      this.offShift = !isWorking(cal, 0);
      const change = nextChange(cal, 0);
      if (change < this.end) q.schedule(change, SHIFT, 0);
    }
    if (this.arrivals) q.schedule(this.arrivals(this.arrivalRng.next()), ARRIVE, 0);
    if (this.warmup > 0) q.schedule(this.warmup, WARMUP, 0);
    q.schedule(this.end, END, 0);
    for (let m = 0; m < this.machines; m++) {
      const between = this.between[m];
      this.ttf[m] = between ? between(this.failureRng[m]!.next()) : Infinity;
      this.needsSetup[m] = this.setup[m] ? 1 : 0;
    }
    // Downstream first, so that at every start the machines that will wait are waiting.
    for (let m = this.machines - 1; m >= 0; m--) this.proceed(m);

    while (!this.stopped && q.next()) {
      this.now = q.now;
      const m = q.entity;
      switch (q.kind) {
        case ARRIVE:
          this.arrive();
          break;
        case END_WORK: {
          this.pending[m] = -1;
          this.ttf[m] = this.ttf[m]! - this.workLeft[m]!;
          this.workLeft[m] = 0;
          this.rec.cycles[m] = this.rec.cycles[m]! + 1;
          this.finish(m);
          break;
        }
        case FAIL: {
          this.pending[m] = -1;
          this.workLeft[m] = Math.max(0, this.workLeft[m]! - this.ttf[m]!);
          this.ttf[m] = 0;
          this.down[m] = 1;
          this.repairLeft[m] = this.repair[m]!(this.repairRng[m]!.next());
          this.rec.failures[m] = this.rec.failures[m]! + 1;
          this.proceed(m);
          break;
        }
        case END_REPAIR:
          this.pending[m] = -1;
          this.down[m] = 0;
          this.repairLeft[m] = 0;
          this.ttf[m] = this.between[m]!(this.failureRng[m]!.next());
          this.proceed(m);
          break;
        case END_SETUP:
          this.pending[m] = -1;
          this.needsSetup[m] = 0;
          this.rec.setups[m] = this.rec.setups[m]! + 1;
          this.proceed(m);
          break;
        case SHIFT:
          this.shift(cal!);
          break;
        case WARMUP:
          this.resetStatistics();
          break;
        case END:
          this.stopped = true;
          break;
      }
    }
    this.rec.close(this.now, this.phase, (s) => this.buffer[s]!.length);
    return { recorder: this.rec, events: q.popped };
  }

  /** What a machine does next, from what it holds and the line's state. */
  private proceed(m: number): void {
    if (this.offShift) return this.setPhase(m, OFF_SHIFT);
    if (this.down[m]) {
      this.setPhase(m, FAILED);
      return this.begin(m, this.repairLeft[m]!, END_REPAIR);
    }
    if (this.needsSetup[m]) {
      this.setPhase(m, SETUP);
      return this.begin(m, this.setup[m]!(this.setupRng[m]!.next()), END_SETUP);
    }
    const part = this.part[m];
    if (part === IN_WORK) this.work(m);
    else if (part === FINISHED) this.push(m);
    else this.pull(m);
  }

  private begin(m: number, seconds: number, kind: number): void {
    this.phaseStart[m] = this.now;
    this.pending[m] = this.q.schedule(this.now + Math.max(0, seconds), kind, m);
  }

  /** Works on the part in the machine until it is done or the machine fails, whichever comes first. */
  private work(m: number): void {
    this.setPhase(m, WORKING);
    const left = this.workLeft[m]!;
    const ttf = this.ttf[m]!;
    if (ttf < left) this.begin(m, ttf, FAIL);
    else this.begin(m, left, END_WORK);
  }

  private start(m: number): void {
    this.part[m] = IN_WORK;
    this.workLeft[m] = this.cycle[m]!(this.cycleRng[m]!.next());
    this.work(m);
  }

  /** The part is done here: scrap leaves the line, a good part goes on. */
  private finish(m: number): void {
    const s = this.stationOf[m]!;
    const scrap = this.scrap[s]!;
    if (scrap > 0 && this.scrapRng[s]!.next() < scrap) {
      this.rec.scrapAt[s] = this.rec.scrapAt[s]! + 1;
      if (this.trace !== undefined) this.trace.scrapPart(this.now, s);
      this.depart(s, this.stationEntry[m]!);
      this.leaveLine(this.lineEntry[m]!, false);
      this.part[m] = NO_PART;
      return this.proceed(m);
    }
    this.part[m] = FINISHED;
    this.push(m);
  }

  /** Hands the finished part on: out of the line, into the next buffer, to a free machine there, or waits blocked. */
  private push(m: number): void {
    const s = this.stationOf[m]!;
    if (s === this.stations - 1) {
      this.depart(s, this.stationEntry[m]!);
      this.leaveLine(this.lineEntry[m]!, true);
      this.part[m] = NO_PART;
      return this.proceed(m);
    }
    const next = s + 1;
    const buffer = this.buffer[next]!;
    if (buffer.length < this.capacity[next]!) {
      this.bufferChanging(next);
      buffer.push(this.lineEntry[m]!, this.now);
      this.bufferGrew(next);
      this.depart(s, this.stationEntry[m]!);
      this.arriveAt(next);
      this.part[m] = NO_PART;
      this.serveWaiting(next);
      return this.proceed(m);
    }
    const waiting = this.waiting[next]!;
    if (waiting.length > 0) {
      // Only with no places between (capacity 0): straight into a free machine.
      const d = waiting.shift();
      this.depart(s, this.stationEntry[m]!);
      this.arriveAt(next);
      this.lineEntry[d] = this.lineEntry[m]!;
      this.stationEntry[d] = this.now;
      this.part[m] = NO_PART;
      this.start(d);
      return this.proceed(m);
    }
    this.setPhase(m, BLOCKED);
    this.blocked[s]!.push(m);
  }

  /** Takes a part: a new one at an unfed first station, else from the buffer, else from a blocked machine before; or waits starved. */
  private pull(m: number): void {
    const s = this.stationOf[m]!;
    if (s === 0 && !this.arrivals) {
      this.lineEntry[m] = this.now;
      this.stationEntry[m] = this.now;
      this.enterLine();
      this.arriveAt(0);
      return this.start(m);
    }
    const buffer = this.buffer[s]!;
    if (buffer.length > 0) {
      this.take(m, s);
      this.start(m);
      return this.refill(s);
    }
    if (s > 0 && this.blocked[s - 1]!.length > 0) {
      const u = this.blocked[s - 1]!.shift();
      this.depart(s - 1, this.stationEntry[u]!);
      this.arriveAt(s);
      this.lineEntry[m] = this.lineEntry[u]!;
      this.stationEntry[m] = this.now;
      this.part[u] = NO_PART;
      this.start(m);
      return this.proceed(u);
    }
    this.setPhase(m, STARVED);
    this.waiting[s]!.push(m);
  }

  private take(m: number, s: number): void {
    const buffer = this.buffer[s]!;
    this.bufferChanging(s);
    buffer.shift();
    if (this.trace !== undefined) this.trace.bufferLevel(this.now, s, buffer.length);
    this.lineEntry[m] = buffer.lineEntry;
    this.stationEntry[m] = buffer.stationEntry;
  }

  /** A place freed in station s's buffer: the machine blocked longest before it moves its part in. */
  private refill(s: number): void {
    if (s === 0) return;
    const blocked = this.blocked[s - 1]!;
    if (blocked.length === 0 || this.buffer[s]!.length >= this.capacity[s]!) return;
    const u = blocked.shift();
    this.bufferChanging(s);
    this.buffer[s]!.push(this.lineEntry[u]!, this.now);
    this.bufferGrew(s);
    this.depart(s - 1, this.stationEntry[u]!);
    this.arriveAt(s);
    this.part[u] = NO_PART;
    this.proceed(u);
  }

  private serveWaiting(s: number): void {
    const waiting = this.waiting[s]!;
    const buffer = this.buffer[s]!;
    while (waiting.length > 0 && buffer.length > 0) {
      const m = waiting.shift();
      this.take(m, s);
      this.start(m);
      this.refill(s);
    }
  }

  private arrive(): void {
    this.bufferChanging(0);
    this.buffer[0]!.push(this.now, this.now);
    this.bufferGrew(0);
    this.enterLine();
    this.arriveAt(0);
    this.serveWaiting(0);
    this.q.schedule(this.now + this.arrivals!(this.arrivalRng.next()), ARRIVE, 0);
  }

  /** The calendar turns: off shift freezes every machine where it is; on shift each takes up what it held. */
  private shift(cal: NonNullable<LineParams['calendar']>): void {
    this.offShift = !this.offShift;
    const change = nextChange(cal, this.now);
    if (change < this.end) this.q.schedule(change, SHIFT, 0);
    if (this.offShift) {
      for (let m = 0; m < this.machines; m++) {
        this.interrupt(m);
        this.setPhase(m, OFF_SHIFT);
        if (this.setup[m]) this.needsSetup[m] = 1;
      }
      for (let s = 0; s < this.stations; s++) {
        this.waiting[s]!.clear();
        this.blocked[s]!.clear();
      }
    } else {
      for (let m = this.machines - 1; m >= 0; m--) this.proceed(m);
    }
  }

  /** Stops what the machine was timing, keeping what is left of it (an interrupted setup is done again). */
  private interrupt(m: number): void {
    const handle = this.pending[m]!;
    if (handle < 0) return;
    this.q.cancel(handle);
    this.pending[m] = -1;
    const elapsed = this.now - this.phaseStart[m]!;
    const phase = this.phase[m];
    if (phase === WORKING) {
      this.workLeft[m] = Math.max(0, this.workLeft[m]! - elapsed);
      this.ttf[m] = Math.max(0, this.ttf[m]! - elapsed);
    } else if (phase === FAILED) {
      this.repairLeft[m] = Math.max(0, this.repairLeft[m]! - elapsed);
    }
  }

  // Statistics: the model's own words for what the recorder keeps.

  private setPhase(m: number, next: number): void {
    if (this.trace !== undefined) this.trace.machineState(this.now, m, next);
    this.rec.state(m, this.phase[m]!, next, this.now);
    this.phase[m] = next;
  }

  private arriveAt(s: number): void {
    this.rec.arrive(s, this.now);
  }

  private depart(s: number, entered: number): void {
    this.rec.depart(s, entered, this.now);
  }

  private bufferChanging(s: number): void {
    this.rec.bufferChanging(s, this.buffer[s]!.length, this.now);
  }

  private bufferGrew(s: number): void {
    this.rec.bufferGrew(s, this.buffer[s]!.length);
    if (this.trace !== undefined) this.trace.bufferLevel(this.now, s, this.buffer[s]!.length);
  }

  private enterLine(): void {
    this.rec.enterLine(this.now);
  }

  private leaveLine(entered: number, good: boolean): void {
    if (good && this.trace !== undefined) this.trace.goodPart(this.now, this.stations - 1);
    if (this.rec.leaveLine(entered, good, this.now) >= this.target) this.stopped = true;
  }

  private resetStatistics(): void {
    this.rec.reset(this.now, (s) => this.buffer[s]!.length);
  }
}

/** What the engine itself cannot run with; a user's parameters are validated before they get here. */
function check(p: LineParams): void {
  const fail = (what: string) => {
    throw new RangeError(`line parameters: ${what}`);
  };
  if (p.stations.length === 0) fail('at least one station is needed');
  const ids = new Set<string>();
  p.stations.forEach((s, i) => {
    if (s.machines.length === 0) fail(`stations[${i}] (${s.id}) has no machine`);
    if (s.buffer !== undefined && !(s.buffer >= 0)) fail(`stations[${i}].buffer must be ≥ 0, got ${s.buffer}`);
    if (s.scrap !== undefined && !(s.scrap >= 0 && s.scrap <= 1)) fail(`stations[${i}].scrap must lie in [0, 1], got ${s.scrap}`);
    for (const m of s.machines) {
      if (ids.has(m.id)) fail(`machine id ${m.id} is used twice`);
      ids.add(m.id);
    }
  });
  const end = 'seconds' in p.horizon ? p.horizon.seconds : p.horizon.maxSeconds;
  if (!(end > 0 && Number.isFinite(end))) fail(`the horizon must be a finite time > 0, got ${end}`);
  if ('goodParts' in p.horizon && !(p.horizon.goodParts >= 1)) fail(`horizon.goodParts must be ≥ 1, got ${p.horizon.goodParts}`);
  const warmup = p.warmupSeconds ?? 0;
  if (!(warmup >= 0 && warmup < end)) fail(`warmupSeconds must lie in [0, horizon), got ${warmup}`);
  if (p.sliceSeconds !== undefined && !(p.sliceSeconds > 0)) fail(`sliceSeconds must be > 0, got ${p.sliceSeconds}`);
  if (p.calendar) checkCalendar(p.calendar);
}
