// The future event list of the discrete-event simulation. An event is three numbers (time,
// kind, entity), held in flat typed arrays indexed by a slot, so scheduling and popping
// allocate nothing per event: the line model runs millions of events per second on one core.
// The heap is flatqueue's (flat arrays, numeric priorities, no comparator call per sift).
import FlatQueue from 'flatqueue';

/**
 * Events come out in time order; events at the same time in the order they were scheduled
 * (a sequence number breaks the tie), so a model and a seed give one run, always the same.
 *
 * - `schedule(time, kind, entity)` returns a handle, valid until the event is popped or cancelled.
 * - `cancel(handle)` marks the event dead (lazy deletion): it is skipped when its time comes.
 *   Only a pending event's handle may be cancelled.
 * - `next()` advances `now` to the next live event and sets `kind` and `entity`; false when
 *   none is left. Times never go back: scheduling before `now` throws.
 *
 * Single-threaded and not re-entrant: call `next()` from the one loop that runs the model.
 */
export class EventQueue {
  /** Simulated time, seconds. */
  now = 0;
  /** The current event (after `next()` returned true). */
  kind = 0;
  entity = 0;
  /** Live events handed out by `next()`. */
  popped = 0;

  private readonly heap = new FlatQueue<number>();
  private capacity = 0;
  private time = new Float64Array(0);
  private seq = new Float64Array(0);
  private kinds = new Int32Array(0);
  private entities = new Int32Array(0);
  private live = new Uint8Array(0);
  /** Free slots, as a stack. */
  private free = new Int32Array(0);
  private freeCount = 0;
  private nextSeq = 0;
  /** Events popped at one time, ordered by sequence number, not yet handed out. */
  private batch = new Int32Array(16);
  private batchLength = 0;
  private batchAt = 0;

  constructor(initialCapacity = 64) {
    this.grow(Math.max(1, initialCapacity));
  }

  /** Events scheduled and neither handed out nor cancelled. */
  get pending(): number {
    let n = 0;
    for (let s = 0; s < this.capacity; s++) n += this.live[s]!;
    return n;
  }

  schedule(time: number, kind: number, entity: number): number {
    if (!(time >= this.now)) throw new RangeError(`event at ${time} s is before now (${this.now} s)`);
    if (this.freeCount === 0) this.grow(this.capacity * 2);
    const slot = this.free[--this.freeCount]!;
    this.time[slot] = time;
    this.seq[slot] = this.nextSeq++;
    this.kinds[slot] = kind;
    this.entities[slot] = entity;
    this.live[slot] = 1;
    this.heap.push(slot, time);
    return slot;
  }

  cancel(handle: number): void {
    this.live[handle] = 0;
  }

  next(): boolean {
    for (;;) {
      let slot: number;
      if (this.batchAt < this.batchLength) {
        slot = this.batch[this.batchAt++]!;
      } else {
        const heap = this.heap;
        if (heap.length === 0) return false;
        slot = heap.pop()!;
        const t = this.time[slot]!;
        // Ties are rare with continuous times and common with deterministic ones: take every
        // event of this time out at once and hand them out by sequence number. Events
        // scheduled for this same time while the batch is handed out have later numbers, so
        // they rightly come after it, from the heap.
        if (heap.length > 0 && heap.peekValue() === t) slot = this.takeTies(slot, t);
      }
      const wasLive = this.live[slot] === 1;
      this.live[slot] = 0;
      this.free[this.freeCount++] = slot;
      if (!wasLive) continue;
      this.now = this.time[slot]!;
      this.kind = this.kinds[slot]!;
      this.entity = this.entities[slot]!;
      this.popped++;
      return true;
    }
  }

  private takeTies(first: number, t: number): number {
    const heap = this.heap;
    let n = 0;
    this.batch[n++] = first;
    while (heap.length > 0 && heap.peekValue() === t) {
      if (n === this.batch.length) {
        const bigger = new Int32Array(n * 2);
        bigger.set(this.batch);
        this.batch = bigger;
      }
      this.batch[n++] = heap.pop()!;
    }
    const batch = this.batch;
    const seq = this.seq;
    // Insertion sort: batches are small, and the heap already returns them nearly in order.
    for (let i = 1; i < n; i++) {
      const s = batch[i]!;
      const key = seq[s]!;
      let j = i - 1;
      while (j >= 0 && seq[batch[j]!]! > key) {
        batch[j + 1] = batch[j]!;
        j--;
      }
      batch[j + 1] = s;
    }
    this.batchLength = n;
    this.batchAt = 1;
    return batch[0]!;
  }

  private grow(capacity: number): void {
    const old = this.capacity;
    const widen = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.time = widen(this.time, (n) => new Float64Array(n));
    this.seq = widen(this.seq, (n) => new Float64Array(n));
    this.kinds = widen(this.kinds, (n) => new Int32Array(n));
    this.entities = widen(this.entities, (n) => new Int32Array(n));
    this.live = widen(this.live, (n) => new Uint8Array(n));
    const free = new Int32Array(capacity);
    free.set(this.free.subarray(0, this.freeCount));
    // New slots on top, lowest first out: slot numbers stay small and cache-friendly.
    for (let s = capacity - 1; s >= old; s--) free[this.freeCount++] = s;
    this.free = free;
    this.capacity = capacity;
  }
}
