// A printer's job cycle in the fdm-printer vocabulary, independent of any protocol:
// idle → heating → printing (layers, progress; sometimes a filament run-out pause,
// rarely a failure) → done while cooling → idle → next job. Stepped with a fixed dt,
// so a seed gives the same run on any machine.
import { Random } from '../random.ts';

export type JobState = 'idle' | 'heating' | 'printing' | 'paused' | 'done' | 'error';

export interface PrinterValues {
  nozzle_temp: number;
  nozzle_target: number;
  bed_temp: number;
  bed_target: number;
  progress: number;
  layer: number;
  total_layers: number;
  remaining_min: number;
  job_file: string;
  job_state: JobState;
  /** Bambu-style firmware error code, 0 when none. */
  print_error: number;
  /** Set for the one step in which an event happened. */
  event: string | undefined;
  link: 'online';
  klipper_state: 'online';
}

export interface PrinterModelOptions {
  readonly seed: number;
  /** Nominal print time of one job, seconds. */
  readonly jobSeconds?: number;
  /** Chance that a job runs out of filament somewhere. */
  readonly runoutChance?: number;
  /** Chance that a job fails for good (a spaghetti print, a clogged nozzle). */
  readonly failureChance?: number;
}

const JOBS = [
  { file: 'streetlight_housing_v3.gcode', nozzle: 240, bed: 80, layers: [180, 240] },
  { file: 'sensor_cover_v2.gcode', nozzle: 215, bed: 60, layers: [90, 140] },
  { file: 'lens_bracket_v5.gcode', nozzle: 240, bed: 80, layers: [60, 110] },
] as const;

const AMBIENT = 21;
export const FILAMENT_RUNOUT_CODE = 0x07008011;

export class PrinterModel {
  readonly values: PrinterValues;
  private readonly random: Random;
  private readonly jobSeconds: number;
  private readonly runoutChance: number;
  private readonly failureChance: number;
  private timer = 0;
  private jobDuration = 0;
  private runoutAt = -1;
  private failAt = -1;
  jobsDone = 0;
  jobsFailed = 0;
  /** Filament run-outs so far (each sets print_error until the job resumes). */
  runouts = 0;

  constructor(options: PrinterModelOptions) {
    this.random = new Random(options.seed);
    this.jobSeconds = options.jobSeconds ?? 240;
    this.runoutChance = options.runoutChance ?? 0.15;
    this.failureChance = options.failureChance ?? 0.03;
    this.values = {
      nozzle_temp: AMBIENT, nozzle_target: 0, bed_temp: AMBIENT, bed_target: 0,
      progress: 0, layer: 0, total_layers: 0, remaining_min: 0,
      job_file: '', job_state: 'idle', print_error: 0, event: undefined, link: 'online', klipper_state: 'online',
    };
    // Printers of one site start out of phase.
    this.timer = this.random.between(1, 8);
  }

  step(dt: number): PrinterValues {
    const v = this.values;
    const r = this.random;
    v.event = undefined;
    this.timer -= dt;
    switch (v.job_state) {
      case 'idle':
      case 'done':
        if (this.timer <= 0) this.startJob();
        break;
      case 'heating':
        if (Math.abs(v.nozzle_temp - v.nozzle_target) < 3 && Math.abs(v.bed_temp - v.bed_target) < 3) v.job_state = 'printing';
        break;
      case 'printing': {
        v.progress = Math.min(100, v.progress + (dt / this.jobDuration) * 100);
        v.layer = Math.min(v.total_layers, Math.floor((v.progress / 100) * v.total_layers) + 1);
        v.remaining_min = Math.ceil(((100 - v.progress) / 100) * (this.jobDuration / 60));
        if (this.runoutAt >= 0 && v.progress >= this.runoutAt) {
          this.runoutAt = -1;
          this.runouts++;
          v.job_state = 'paused';
          v.print_error = FILAMENT_RUNOUT_CODE;
          v.event = 'FilamentChange';
          this.timer = r.between(8, 25);
        } else if (this.failAt >= 0 && v.progress >= this.failAt) {
          this.failAt = -1;
          v.job_state = 'error';
          v.event = 'PrintFailed';
          v.nozzle_target = 0;
          v.bed_target = 0;
          this.jobsFailed++;
          this.timer = r.between(20, 40);
        } else if (v.progress >= 100) {
          v.job_state = 'done';
          v.event = 'PrintDone';
          v.nozzle_target = 0;
          v.bed_target = 0;
          v.remaining_min = 0;
          this.jobsDone++;
          this.timer = r.between(15, 40);
        }
        break;
      }
      case 'paused':
        if (this.timer <= 0) {
          v.job_state = 'printing';
          v.print_error = 0;
          v.event = 'PrintResumed';
        }
        break;
      case 'error':
        if (this.timer <= 0) {
          v.job_state = 'idle';
          v.print_error = 0;
          v.progress = 0;
          v.layer = 0;
          this.timer = r.between(5, 15);
        }
        break;
    }
    // First-order heaters with a little sensor noise; a paused print keeps its heat.
    v.nozzle_temp = approach(v.nozzle_temp, v.nozzle_target || AMBIENT, dt, 12) + r.noise(0.15);
    v.bed_temp = approach(v.bed_temp, v.bed_target || AMBIENT, dt, 35) + r.noise(0.08);
    return v;
  }

  private startJob(): void {
    const v = this.values;
    const r = this.random;
    const job = r.pick(JOBS);
    v.job_file = job.file;
    v.nozzle_target = job.nozzle;
    v.bed_target = job.bed;
    v.total_layers = r.int(job.layers[0], job.layers[1]);
    v.progress = 0;
    v.layer = 0;
    v.print_error = 0;
    v.job_state = 'heating';
    v.event = 'PrintStarted';
    // jobSeconds is the ideal (the profiles' idealCycleSeconds): a real job takes as long or longer.
    this.jobDuration = this.jobSeconds * r.between(1, 1.3);
    v.remaining_min = Math.ceil(this.jobDuration / 60);
    this.runoutAt = r.chance(this.runoutChance) ? r.between(10, 90) : -1;
    this.failAt = r.chance(this.failureChance) ? r.between(5, 60) : -1;
  }
}

function approach(current: number, target: number, dt: number, tau: number): number {
  return target + (current - target) * Math.exp(-dt / tau);
}
