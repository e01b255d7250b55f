// The DES kernel's speed, single thread: events per second on the M/M/1 model (the line
// model with one machine and Poisson arrivals) and on a simulated week of the demo line,
// each beside floors run in the same process, alternating rounds: the bare flatqueue heap
// popping and pushing the same number of events (with the same number of pending events,
// times drawn beforehand), and the kernel's EventQueue doing the same (its tie-breaking and
// slots, no model). The ratio floor / model says what the model costs over the heap itself.
import FlatQueue from 'flatqueue';
import { loadavg } from 'node:os';
import { loadSite } from '../../device-profiles/schema/load.ts';
import { exponential } from '../../simulators/src/des/distributions.ts';
import { EventQueue } from '../../simulators/src/des/event-queue.ts';
import type { LineParams } from '../../simulators/src/des/line-params.ts';
import { runLine, simulateLine } from '../../simulators/src/des/line-model.ts';
import { siteLineParams } from '../../simulators/src/des/site-line.ts';

export interface Rate {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

export interface DesKernelResult {
  readonly name: 'des-kernel';
  readonly rounds: number;
  /** Medians over the rounds (the first, warming up the JIT, not counted). */
  readonly mm1: Rate;
  readonly floorHeap: Rate;
  readonly floorQueue: Rate;
  /** floorHeap / mm1 events per second. */
  readonly ratio: number;
  readonly demo: {
    readonly replications: number;
    readonly eventsPerReplication: number;
    /** The simulation alone, and with every figure of the result (bottleneck analysis included). */
    readonly simulateMs: number;
    readonly replicationMs: number;
    readonly eventsPerSecond: number;
  };
  readonly loadavg: readonly number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export function mm1Params(events: number, seed: number): LineParams {
  // Two events per customer, 0.9 customers per second.
  return {
    seed,
    arrivals: exponential(1 / 0.9),
    stations: [{ id: 'server', machines: [{ id: 'server', cycle: exponential(1) }] }],
    horizon: { seconds: events / 1.8 },
  };
}

/** The demo line for a week: two shifts with breaks, the variation and stops the live simulator has. */
export function demoWeekParams(seed: number): LineParams {
  const hour = 3600;
  const printer = { cycle: { type: 'lognormal', mu: Math.log(240), sigma: 0.1 }, failures: { between: exponential(8 * hour), repair: { type: 'triangular', min: 300, mode: 900, max: 3600 } } } as const;
  return siteLineParams(loadSite(), {
    seed,
    machines: {
      'printer-01': printer,
      'printer-02': printer,
      'printer-03': printer,
      'printer-04': printer,
      'robot-01': { cycle: { type: 'normal', mean: 12, sd: 0.5 }, setup: { type: 'deterministic', value: 300 } },
      'conveyor-01': { cycle: { type: 'deterministic', value: 8 }, failures: { between: exponential(600), repair: { type: 'uniform', min: 5, max: 20 } } },
      'inspection-01': { cycle: { type: 'deterministic', value: 4 } },
      'robot-02': { cycle: { type: 'normal', mean: 15, sd: 0.5 } },
    },
    stations: { unloading: { buffer: 0 }, inspection: { scrap: 0.04 } },
    calendar: { periodSeconds: 24 * hour, working: [{ from: 6 * hour, to: 10 * hour }, { from: 10.5 * hour, to: 14 * hour }, { from: 14.25 * hour, to: 22 * hour }] },
    horizon: { seconds: 7 * 24 * hour },
  }).params;
}

function timed(f: () => number): Rate {
  const t0 = process.hrtime.bigint();
  const events = f();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { events, seconds, eventsPerSecond: events / seconds };
}

/** Pop one, push one, `events` times, with `pending` events waiting: the heap's work in a model that size. */
function heapFloor(events: number, pending: number, gaps: Float64Array): number {
  const heap = new FlatQueue<number>();
  for (let i = 0; i < pending; i++) heap.push(i, gaps[i % gaps.length]!);
  for (let i = 0; i < events; i++) {
    const t = heap.peekValue()!;
    const id = heap.pop()!;
    heap.push(id, t + gaps[i % gaps.length]!);
  }
  return events;
}

function queueFloor(events: number, pending: number, gaps: Float64Array): number {
  const q = new EventQueue();
  for (let i = 0; i < pending; i++) q.schedule(gaps[i % gaps.length]!, 0, i);
  let n = 0;
  while (n < events && q.next()) {
    n++;
    q.schedule(q.now + gaps[n % gaps.length]!, q.kind, q.entity);
  }
  return n;
}

export function benchDesKernel(options: { events?: number; rounds?: number; replications?: number } = {}): DesKernelResult {
  const events = options.events ?? 5_000_000;
  const rounds = options.rounds ?? 5;
  const replications = options.replications ?? 20;
  const gaps = Float64Array.from({ length: 4096 }, (_, i) => -Math.log(1 - (i + 0.5) / 4096));
  // Shuffle the gaps deterministically so that the heap sees no pattern.
  for (let i = gaps.length - 1; i > 0; i--) {
    const j = (i * 2654435761) % (i + 1);
    [gaps[i], gaps[j]] = [gaps[j]!, gaps[i]!];
  }
  const mm1: Rate[] = [];
  const heap: Rate[] = [];
  const queue: Rate[] = [];
  for (let r = 0; r <= rounds; r++) {
    const m = timed(() => simulateLine(mm1Params(events, r + 1)).events);
    // The M/M/1 model holds two pending events (the next arrival, the end of service) and a cancelled-free queue.
    const h = timed(() => heapFloor(m.events, 2, gaps));
    const q = timed(() => queueFloor(m.events, 2, gaps));
    if (r === 0) continue;
    mm1.push(m);
    heap.push(h);
    queue.push(q);
  }
  const pick = (rs: Rate[]) => {
    const eps = median(rs.map((x) => x.eventsPerSecond));
    return rs.find((x) => x.eventsPerSecond === eps)!;
  };

  const sim: number[] = [];
  const full: number[] = [];
  let demoEvents = 0;
  let demoSeconds = 0;
  simulateLine(demoWeekParams(0)); // warm-up
  for (let i = 1; i <= replications; i++) {
    const params = demoWeekParams(i);
    const s = timed(() => simulateLine(params).events);
    sim.push(s.seconds * 1000);
    demoEvents += s.events;
    demoSeconds += s.seconds;
    const t0 = process.hrtime.bigint();
    runLine(params);
    full.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const m = pick(mm1);
  const h = pick(heap);
  return {
    name: 'des-kernel',
    rounds,
    mm1: m,
    floorHeap: h,
    floorQueue: pick(queue),
    ratio: h.eventsPerSecond / m.eventsPerSecond,
    demo: {
      replications,
      eventsPerReplication: demoEvents / replications,
      simulateMs: median(sim),
      replicationMs: median(full),
      eventsPerSecond: demoEvents / demoSeconds,
    },
    loadavg: loadavg(),
  };
}
