// A six-axis arm running a pick-and-place cycle along smooth joint trajectories, in
// degrees. Each move eases in and out (a half-cosine profile), so speed and acceleration
// are continuous enough to look real on a chart and in the twin. Protective stops and
// emergency stops happen now and then and clear by themselves. Stepped with a fixed dt.
import { Random } from '../random.ts';

export type RobotState = 'executing' | 'waiting' | 'protective_stop' | 'emergency_stop';

export interface RobotValues {
  position: number[];
  speed: number[];
  acceleration: number[];
  /** Motor load, percent of maximum continuous load. */
  load: number[];
  motorTemp: number[];
  gripperClosed: boolean;
  cycleCount: number;
  state: RobotState;
  emergencyStop: boolean;
  protectiveStop: boolean;
  /** OperationalModeEnumeration: 3 = AUTOMATIC. */
  operationalMode: number;
  speedOverride: number;
  programName: string;
  /** Seconds of the last completed cycle, 0 before the first. */
  lastCycleSeconds: number;
}

export interface RobotModelOptions {
  readonly seed: number;
  /** Nominal seconds per pick-and-place cycle. */
  readonly cycleSeconds?: number;
  /** Chance per cycle of a protective stop (a person in the cell). */
  readonly protectiveStopChance?: number;
  /** Chance per cycle of an emergency stop. */
  readonly emergencyStopChance?: number;
}

const HOME = [0, -90, 90, 0, 90, 0];
const ABOVE_PICK = [-40, -60, 100, 0, 50, -40];
const PICK = [-40, -45, 110, 0, 25, -40];
const ABOVE_PLACE = [55, -65, 95, 0, 60, 55];
const PLACE = [55, -50, 108, 0, 32, 55];
/** Waypoint, share of the cycle time to get there, gripper after arriving. */
const PATH: readonly [readonly number[], number, boolean][] = [
  [ABOVE_PICK, 0.16, false],
  [PICK, 0.08, true],
  [ABOVE_PICK, 0.08, true],
  [ABOVE_PLACE, 0.22, true],
  [PLACE, 0.08, false],
  [ABOVE_PLACE, 0.08, false],
  [HOME, 0.2, false],
];
const DWELL_SHARE = 0.1;
const AMBIENT = 24;

export class RobotModel {
  readonly values: RobotValues;
  private readonly random: Random;
  private readonly cycleSeconds: number;
  private readonly pStop: number;
  private readonly eStop: number;
  private segment = -1;
  private segmentTime = 0;
  private segmentDuration = 0;
  private from: readonly number[] = HOME;
  private stopTimer = 0;
  private cycleStart = 0;
  private clock = 0;
  /** A part taken from the feeder and not yet placed (survives a stop). */
  private holding = false;
  /**
   * Where parts come from, when the robot works in a line: asked at each cycle's start;
   * false means no part is waiting, and the robot waits at home (starved) and asks again.
   */
  feeder: (() => boolean) | undefined;
  /** Protective and emergency stops so far (ground truth for the alarms they raise). */
  stops = 0;

  constructor(options: RobotModelOptions) {
    this.random = new Random(options.seed);
    this.cycleSeconds = options.cycleSeconds ?? 12;
    this.pStop = options.protectiveStopChance ?? 0.03;
    this.eStop = options.emergencyStopChance ?? 0.01;
    this.values = {
      position: [...HOME],
      speed: [0, 0, 0, 0, 0, 0],
      acceleration: [0, 0, 0, 0, 0, 0],
      load: [5, 5, 5, 5, 5, 5],
      motorTemp: [AMBIENT + 8, AMBIENT + 10, AMBIENT + 9, AMBIENT + 6, AMBIENT + 6, AMBIENT + 5],
      gripperClosed: false,
      cycleCount: 0,
      state: 'waiting',
      emergencyStop: false,
      protectiveStop: false,
      operationalMode: 3,
      speedOverride: 100,
      programName: 'PickPlace_StreetlightHousing',
      lastCycleSeconds: 0,
    };
    this.segmentDuration = this.random.between(0.5, 2);
  }

  step(dt: number): RobotValues {
    const v = this.values;
    this.clock += dt;
    if (v.state === 'protective_stop' || v.state === 'emergency_stop') {
      this.hold(dt);
      this.stopTimer -= dt;
      if (this.stopTimer <= 0) {
        v.state = 'executing';
        v.protectiveStop = false;
        v.emergencyStop = false;
      }
      return this.thermal(dt);
    }
    this.segmentTime += dt;
    if (this.segmentTime >= this.segmentDuration) this.nextSegment();
    if (this.segment < 0 || this.segment >= PATH.length) {
      this.hold(dt);
      return this.thermal(dt);
    }
    const [to] = PATH[this.segment]!;
    const T = this.segmentDuration;
    const s = Math.min(1, this.segmentTime / T);
    for (let j = 0; j < 6; j++) {
      const d = to[j]! - this.from[j]!;
      v.position[j] = this.from[j]! + (d * (1 - Math.cos(Math.PI * s))) / 2;
      v.speed[j] = ((d * Math.PI) / (2 * T)) * Math.sin(Math.PI * s);
      v.acceleration[j] = ((d * Math.PI * Math.PI) / (2 * T * T)) * Math.cos(Math.PI * s);
    }
    return this.thermal(dt);
  }

  private nextSegment(): void {
    const v = this.values;
    this.segmentTime = 0;
    if (this.segment >= 0 && this.segment < PATH.length) {
      this.from = PATH[this.segment]![0];
      v.gripperClosed = PATH[this.segment]![2];
    }
    this.segment++;
    if (this.segment === PATH.length) {
      // Dwell at home, waiting for the next part.
      v.state = 'waiting';
      this.segmentDuration = this.cycleSeconds * DWELL_SHARE * this.random.between(0.6, 1.6);
      return;
    }
    const starting = this.segment === 0 || this.segment > PATH.length;
    if (starting && this.feeder && !this.holding) {
      if (!this.feeder()) {
        // Starved: nothing to pick. Wait at home and look again shortly.
        this.segment = PATH.length;
        v.state = 'waiting';
        this.segmentDuration = 0.5;
        return;
      }
      this.holding = true;
    }
    if (this.segment > PATH.length) {
      this.segment = 0;
      if (v.cycleCount > 0 || this.cycleStart > 0) v.lastCycleSeconds = Math.round((this.clock - this.cycleStart) * 100) / 100;
      this.cycleStart = this.clock;
      if (this.random.chance(this.eStop)) return this.stop('emergency_stop', this.random.between(20, 40));
      if (this.random.chance(this.pStop)) return this.stop('protective_stop', this.random.between(5, 15));
    }
    if (this.segment === 4) {
      v.cycleCount++;
      this.holding = false;
    }
    v.state = 'executing';
    this.segmentDuration = this.cycleSeconds * PATH[this.segment]![1] * this.random.between(0.95, 1.05);
  }

  private stop(kind: 'protective_stop' | 'emergency_stop', seconds: number): void {
    const v = this.values;
    this.stops++;
    v.state = kind;
    v.protectiveStop = kind === 'protective_stop';
    v.emergencyStop = kind === 'emergency_stop';
    this.stopTimer = seconds;
    // The cycle restarts from home once the stop clears.
    this.segment = PATH.length;
    this.segmentDuration = 0.5;
    this.from = [...this.values.position];
  }

  private hold(_dt: number): void {
    const v = this.values;
    for (let j = 0; j < 6; j++) {
      v.speed[j] = 0;
      v.acceleration[j] = 0;
    }
  }

  private thermal(dt: number): RobotValues {
    const v = this.values;
    for (let j = 0; j < 6; j++) {
      // Shoulder and elbow hold the arm against gravity; all axes pay for acceleration.
      const gravity = j === 1 || j === 2 ? 25 : 6;
      const braked = v.emergencyStop ? 0 : 1;
      v.load[j] = Math.min(100, Math.round(braked * (gravity + Math.abs(v.acceleration[j]!) * 0.25 + Math.abs(v.speed[j]!) * 0.05) + this.random.noise(0.5)));
      if (v.load[j]! < 0) v.load[j] = 0;
      const target = AMBIENT + v.load[j]! * 0.45;
      v.motorTemp[j] = target + (v.motorTemp[j]! - target) * Math.exp(-dt / 120) + this.random.noise(0.02);
    }
    return v;
  }
}
