// Growable typed storage for what a run collects per part or per period: no boxed numbers,
// doubling as it fills.

export class Float64List {
  length = 0;
  private data: Float64Array;
  constructor(capacity = 64) {
    this.data = new Float64Array(capacity);
  }
  push(x: number): void {
    if (this.length === this.data.length) this.grow();
    this.data[this.length++] = x;
  }
  /** The last value, undefined when empty. */
  last(): number | undefined {
    return this.length > 0 ? this.data[this.length - 1] : undefined;
  }
  pop(): number {
    return this.data[--this.length]!;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  set(i: number, x: number): void {
    this.data[i] = x;
  }
  clear(): void {
    this.length = 0;
  }
  /** A copy of the values, trimmed. */
  toArray(): Float64Array {
    return this.data.slice(0, this.length);
  }
  private grow(): void {
    const bigger = new Float64Array(this.data.length * 2);
    bigger.set(this.data);
    this.data = bigger;
  }
}

/**
 * The parts in a buffer, first in first out: for each, when it entered the line and when it
 * entered this station (for lead time and for Little's law per station).
 */
export class PartQueue {
  length = 0;
  /** The part `shift()` took out last. */
  lineEntry = 0;
  stationEntry = 0;
  private data = new Float64Array(32);
  private head = 0;

  push(lineEntry: number, stationEntry: number): void {
    if (this.length * 2 === this.data.length) this.grow();
    const cap = this.data.length >> 1;
    const at = ((this.head + this.length) % cap) << 1;
    this.data[at] = lineEntry;
    this.data[at + 1] = stationEntry;
    this.length++;
  }

  shift(): void {
    const at = this.head << 1;
    this.lineEntry = this.data[at]!;
    this.stationEntry = this.data[at + 1]!;
    this.head = (this.head + 1) % (this.data.length >> 1);
    this.length--;
  }

  private grow(): void {
    const cap = this.data.length >> 1;
    const bigger = new Float64Array(this.data.length * 2);
    for (let i = 0; i < this.length; i++) {
      const from = ((this.head + i) % cap) << 1;
      bigger[i << 1] = this.data[from]!;
      bigger[(i << 1) + 1] = this.data[from + 1]!;
    }
    this.data = bigger;
    this.head = 0;
  }
}

/** Machine indices waiting in turn (starved for a part, or blocked holding one): first in, first out. */
export class IndexRing {
  length = 0;
  private readonly data: Int32Array;
  private head = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(1, capacity));
  }
  push(i: number): void {
    this.data[(this.head + this.length) % this.data.length] = i;
    this.length++;
  }
  shift(): number {
    const i = this.data[this.head]!;
    this.head = (this.head + 1) % this.data.length;
    this.length--;
    return i;
  }
  clear(): void {
    this.length = 0;
    this.head = 0;
  }
}
