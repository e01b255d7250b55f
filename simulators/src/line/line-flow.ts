// The material flow of a simulated first-series line: printers finish parts → the
// unloading robot takes each one onto the conveyor → the conveyor carries it (with
// micro-stops and now and then a breakdown) → the vision station judges it (a realistic
// scrap rate) → the packing robot packs the good ones. Robots starve when nothing waits for
// them, so availability and the bottleneck come out of the flow, not out of a script.
// Keeps its own ground truth, to check what the gateway counts. Stepped with a fixed dt.
import { Random } from '../random.ts';

export interface LineFlowOptions {
  readonly seed: number;
  /** Conveyor length (m) and speed (m/s). */
  readonly beltLength?: number;
  readonly beltSpeed?: number;
  /** Share of inspected parts that fail. */
  readonly scrapRate?: number;
  /** Seconds to inspect one part. */
  readonly inspectSeconds?: number;
  /** Short conveyor stops (a jammed carrier), per hour, lasting 5–20 s. */
  readonly microStopsPerHour?: number;
  /** Conveyor breakdowns per hour, lasting 2–6 minutes. */
  readonly breakdownsPerHour?: number;
}

/** What really happened, counted by the simulator. */
export interface LineTruth {
  printed: number;
  unloaded: number;
  inspected: number;
  failed: number;
  packed: number;
  microStops: number;
  breakdowns: number;
}

export interface ConveyorValues {
  belt_speed: number;
  running: boolean;
  carriers: number;
}

export interface InspectionValues {
  result: 'pass' | 'fail' | undefined;
  inspected: number;
  failed: number;
}

export class LineFlow {
  readonly truth: LineTruth = { printed: 0, unloaded: 0, inspected: 0, failed: 0, packed: 0, microStops: 0, breakdowns: 0 };
  readonly conveyor: ConveyorValues = { belt_speed: 0, running: true, carriers: 0 };
  readonly inspection: InspectionValues = { result: undefined, inspected: 0, failed: 0 };
  private readonly random: Random;
  private readonly o: Required<Omit<LineFlowOptions, 'seed'>>;
  /** Finished prints waiting to be unloaded; good parts waiting to be packed. */
  private waitingPrints = 0;
  private waitingGood = 0;
  /** Positions (m) of the parts on the belt. */
  private readonly onBelt: number[] = [];
  private atInspection = 0;
  private inspectLeft = 0;
  private stoppedFor = 0;
  /** The robots' cycle counters when last followed. */
  private unloaderCycles = 0;
  private packerCycles = 0;

  constructor(options: LineFlowOptions) {
    this.random = new Random(options.seed);
    this.o = {
      beltLength: options.beltLength ?? 8,
      beltSpeed: options.beltSpeed ?? 0.25,
      scrapRate: options.scrapRate ?? 0.04,
      inspectSeconds: options.inspectSeconds ?? 4,
      microStopsPerHour: options.microStopsPerHour ?? 6,
      breakdownsPerHour: options.breakdownsPerHour ?? 0.5,
    };
  }

  /** A printer finished a part. */
  printed(): void {
    this.truth.printed++;
    this.waitingPrints++;
  }

  /** For the unloading robot: takes a finished print if one waits. */
  readonly unloaderFeeder = (): boolean => {
    if (this.waitingPrints === 0) return false;
    this.waitingPrints--;
    return true;
  };

  /** For the packing robot: takes a good part if one waits. */
  readonly packerFeeder = (): boolean => {
    if (this.waitingGood === 0) return false;
    this.waitingGood--;
    return true;
  };

  /** The unloading robot placed `n` parts on the belt; the packing robot packed `m`. */
  placed(n: number): void {
    for (let i = 0; i < n; i++) this.onBelt.push(0);
    this.truth.unloaded += n;
  }

  packed(n: number): void {
    this.truth.packed += n;
  }

  /**
   * The robots' cycle counters now (both start at 0 with the flow): what the unloading robot
   * placed and the packing robot packed since the last call. Live and in simulated time alike.
   */
  follow(unloaderCycles: number, packerCycles: number): void {
    this.placed(unloaderCycles - this.unloaderCycles);
    this.packed(packerCycles - this.packerCycles);
    this.unloaderCycles = unloaderCycles;
    this.packerCycles = packerCycles;
  }

  /** Parts on the belt now. */
  get partsOnBelt(): number {
    return this.onBelt.length;
  }

  step(dt: number): void {
    const o = this.o;
    // Stops: a micro-stop or a breakdown holds the belt.
    if (this.stoppedFor > 0) {
      this.stoppedFor -= dt;
    } else if (this.random.chance((o.breakdownsPerHour * dt) / 3600)) {
      this.stoppedFor = this.random.between(120, 360);
      this.truth.breakdowns++;
    } else if (this.random.chance((o.microStopsPerHour * dt) / 3600)) {
      this.stoppedFor = this.random.between(5, 20);
      this.truth.microStops++;
    }
    const running = this.stoppedFor <= 0;
    this.conveyor.running = running;
    this.conveyor.belt_speed = running ? Math.round(o.beltSpeed * this.random.between(0.97, 1.03) * 1000) / 1000 : 0;
    if (running) {
      for (let i = 0; i < this.onBelt.length; i++) this.onBelt[i]! += o.beltSpeed * dt;
      while (this.onBelt.length > 0 && this.onBelt[0]! >= o.beltLength) {
        this.onBelt.shift();
        this.atInspection++;
      }
    }
    this.conveyor.carriers = this.onBelt.length;
    // Inspection: one part at a time.
    let left = dt;
    while (left > 0) {
      if (this.inspectLeft <= 0) {
        if (this.atInspection === 0) break;
        this.atInspection--;
        this.inspectLeft = o.inspectSeconds;
      }
      const used = Math.min(left, this.inspectLeft);
      this.inspectLeft -= used;
      left -= used;
      if (this.inspectLeft <= 0) this.judge();
    }
  }

  private judge(): void {
    const fail = this.random.chance(this.o.scrapRate);
    this.truth.inspected++;
    this.inspection.inspected++;
    this.inspection.result = fail ? 'fail' : 'pass';
    if (fail) {
      this.truth.failed++;
      this.inspection.failed++;
    } else this.waitingGood++;
  }
}
