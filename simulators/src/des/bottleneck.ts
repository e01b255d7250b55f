// The active-period bottleneck method (Roser, Nakano & Tanaka, "Shifting bottleneck
// detection", Winter Simulation Conference 2002). A machine is active while it works, is
// repaired or is set up, that is, whenever it is not waiting (starved, blocked) or off shift.
// At any moment the machine whose current active period is the longest is the bottleneck:
// it is the one the others wait for. Where the active period of one momentary bottleneck
// overlaps that of the next (or the one before), the bottleneck is shifting between the two
// and the overlap counts as shifting for both; the rest of its time as the momentary
// bottleneck is sole. A machine's bottleneck share is its sole and shifting time; the
// bottleneck of a window is the machine with the largest share (sole + shifting).

export interface ActivePeriods {
  readonly id: string;
  /** [start, end, start, end, ...] in time order, not overlapping. */
  readonly periods: Float64Array;
}

export interface BottleneckShare {
  readonly id: string;
  /** Seconds as the sole bottleneck, and as a shifting one. */
  readonly sole: number;
  readonly shifting: number;
}

export interface BottleneckWindow {
  readonly from: number;
  readonly to: number;
  /** One per machine, in the machines' order. */
  readonly shares: readonly BottleneckShare[];
  /** The machine with the largest share; undefined if none was active. */
  readonly bottleneck: string | undefined;
}

export interface BottleneckResult {
  readonly overall: BottleneckWindow;
  /** Consecutive slices of `sliceSeconds` from `from` (the last may be shorter). */
  readonly slices: readonly BottleneckWindow[];
}

export function activePeriodBottleneck(machines: readonly ActivePeriods[], from: number, to: number, sliceSeconds: number): BottleneckResult {
  const m = machines.length;
  const sliceCount = to > from ? Math.ceil((to - from) / sliceSeconds) : 0;
  // Every instant at which some machine's activity changes, and the slice edges: between two
  // neighbouring cuts each machine is either active throughout or not at all.
  let total = 2 + Math.max(0, sliceCount - 1);
  for (const { periods } of machines) total += periods.length;
  const edges = new Float64Array(total);
  let e = 0;
  edges[e++] = from;
  edges[e++] = to;
  for (let k = 1; k < sliceCount; k++) edges[e++] = from + k * sliceSeconds;
  for (const { periods } of machines) for (const t of periods) if (t > from && t < to) edges[e++] = t;
  const sorted = edges.subarray(0, e).sort();
  let cutCount = 0;
  for (let i = 0; i < e; i++) if (cutCount === 0 || sorted[i]! > sorted[cutCount - 1]!) sorted[cutCount++] = sorted[i]!;
  const cuts = sorted.subarray(0, cutCount);

  // Pass 1: the momentary bottleneck of each interval, as (machine, period index).
  const n = Math.max(0, cutCount - 1);
  const who = new Int32Array(n).fill(-1);
  const which = new Int32Array(n);
  const pointer = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    const a = cuts[i]!;
    let best = -1;
    let bestLength = -1;
    for (let j = 0; j < m; j++) {
      const p = machines[j]!.periods;
      let k = pointer[j]!;
      while (2 * k + 1 < p.length && p[2 * k + 1]! <= a) k++;
      pointer[j] = k;
      if (2 * k + 1 < p.length && p[2 * k]! <= a) {
        const length = p[2 * k + 1]! - p[2 * k]!;
        if (length > bestLength) {
          best = j;
          bestLength = length;
        }
      }
    }
    who[i] = best;
    which[i] = best >= 0 ? pointer[best]! : 0;
  }

  // The chain of bottleneck periods: one entry per run of intervals in the same period.
  const chainMachine: number[] = [];
  const chainStart: number[] = [];
  const chainEnd: number[] = [];
  const link = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const j = who[i]!;
    if (j < 0) continue;
    const p = machines[j]!.periods;
    const start = p[2 * which[i]!]!;
    const last = chainMachine.length - 1;
    if (last < 0 || chainMachine[last] !== j || chainStart[last] !== start) {
      chainMachine.push(j);
      chainStart.push(start);
      chainEnd.push(p[2 * which[i]! + 1]!);
    }
    link[i] = chainMachine.length - 1;
  }

  // Pass 2: sole or shifting, per slice and overall.
  const sole = new Float64Array((sliceCount + 1) * m);
  const shifting = new Float64Array((sliceCount + 1) * m);
  const overall = sliceCount * m;
  const add = (into: Float64Array, slice: number, machine: number, length: number) => {
    into[slice + machine] = into[slice + machine]! + length;
    into[overall + machine] = into[overall + machine]! + length;
  };
  for (let i = 0; i < n; i++) {
    const k = link[i]!;
    if (k < 0) continue;
    const a = cuts[i]!;
    const b = cuts[i + 1]!;
    const length = b - a;
    const slice = Math.min(sliceCount - 1, Math.floor((a - from) / sliceSeconds)) * m;
    const before = k > 0 && chainStart[k - 1]! <= a && chainEnd[k - 1]! >= b;
    const after = k + 1 < chainMachine.length && chainStart[k + 1]! <= a && chainEnd[k + 1]! >= b;
    if (!before && !after) {
      add(sole, slice, chainMachine[k]!, length);
      continue;
    }
    add(shifting, slice, chainMachine[k]!, length);
    if (before) add(shifting, slice, chainMachine[k - 1]!, length);
    if (after) add(shifting, slice, chainMachine[k + 1]!, length);
  }

  const window = (base: number, wFrom: number, wTo: number): BottleneckWindow => {
    const shares = machines.map((mc, j) => ({ id: mc.id, sole: sole[base + j]!, shifting: shifting[base + j]! }));
    let top: BottleneckShare | undefined;
    for (const s of shares) {
      const total = s.sole + s.shifting;
      if (total > 0 && (!top || total > top.sole + top.shifting || (total === top.sole + top.shifting && s.sole > top.sole))) top = s;
    }
    return { from: wFrom, to: wTo, shares, bottleneck: top?.id };
  };
  const slices: BottleneckWindow[] = [];
  for (let k = 0; k < sliceCount; k++) slices.push(window(k * m, from + k * sliceSeconds, Math.min(to, from + (k + 1) * sliceSeconds)));
  return { overall: window(overall, from, to), slices };
}
