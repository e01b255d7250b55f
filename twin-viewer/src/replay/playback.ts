// Live, replay or a simulated scenario, and the playhead's clock: which state the scene and
// panels are shown, the playhead, play/pause and speed. Swapping `shown` is the whole of
// going into replay or into a scenario; the playhead moves with the wall clock times the
// speed. In replay, playing into the present goes back to live, and a loop (the kiosk's
// recorded shift) starts again at its beginning. A scenario carries its arms (baseline and
// scenario of one replication) at one simulated instant: showing the other arm keeps it.
import { EventDispatcher } from 'three';
import type { LiveClient } from '../live/live-client.ts';
import type { ShownState } from '../live/shown-state.ts';
import { Replay } from './replay.ts';
import type { ScenarioState } from './scenario-state.ts';

export const SPEEDS = [1, 10, 60, 240, 600, 3600] as const;
/** Series figures are asked for again this often while playing (ms of wall time). */
const REFRESH_MS = 3_000;

export interface PlaybackEventMap {
  /** Mode, playing or speed changed, or a seek landed. */
  change: {};
  /** The playhead moved. */
  tick: {};
}

export class Playback extends EventDispatcher<PlaybackEventMap> {
  readonly replay: Replay;
  mode: 'live' | 'replay' | 'scenario' = 'live';
  /** The simulated replication on show in scenario mode: its arms, kept at one instant, and the one shown. */
  scenario: { readonly arms: Readonly<Record<string, ScenarioState>>; shown: string } | undefined;
  playing = false;
  speed = 1;
  /** Whether the gateway keeps a history to replay (its snapshot says). */
  available = false;
  /** Why a replay was refused, for the bar to say. */
  notice: string | undefined;
  /** Loops [from, to] when set; each round moves it up to the present, so a kiosk left all day keeps showing the latest hours. */
  loop: { from: number; to: number } | undefined;
  /** Wall time the playhead waited for data while playing, and how often. */
  stalledMs = 0;
  stalls = 0;
  private frame: number | undefined;
  private lastWall = 0;
  private lastRefresh = 0;
  private stalled = false;

  constructor(
    private readonly live: LiveClient,
    api: ConstructorParameters<typeof Replay>[0],
  ) {
    super();
    this.replay = new Replay(api, () => live.serverNow());
    this.replay.addEventListener('seeked', () => this.dispatchEvent({ type: 'change' }));
  }

  get shown(): ShownState {
    if (this.mode === 'scenario') return this.scenarioArm()!;
    return this.mode === 'live' ? this.live : this.replay;
  }

  /** The instant shown: the playhead, or now when live; in a scenario, simulated time. */
  get at(): number {
    if (this.mode === 'scenario') return this.scenarioArm()!.now();
    return this.mode === 'live' ? this.live.serverNow() : this.replay.now();
  }

  /** Plays simulated replications in the scene: `arms` by name, `shown` the one on show, from the start of their window. */
  playScenario(arms: Record<string, ScenarioState>, shown: string, options: { speed?: number; play?: boolean } = {}): void {
    if (!arms[shown]) throw new RangeError(`no arm "${shown}"`);
    if (this.mode === 'replay') this.replay.stop();
    this.mode = 'scenario';
    this.scenario = { arms, shown };
    document.body.classList.remove('replay');
    document.body.classList.add('scenario');
    if (options.speed !== undefined) this.speed = nearestSpeed(options.speed);
    this.playing = options.play ?? true;
    const from = Math.max(...Object.values(arms).map((a) => a.fromSeconds));
    for (const a of Object.values(arms)) a.seek(from);
    this.lastWall = performance.now();
    this.dispatchEvent({ type: 'change' });
    this.run();
  }

  /** Shows another arm of the scenario at the same simulated instant. */
  showArm(name: string): void {
    const s = this.scenario;
    if (this.mode !== 'scenario' || !s?.arms[name]) return;
    const t = this.scenarioArm()!.seconds;
    s.shown = name;
    s.arms[name]!.seek(t);
    this.dispatchEvent({ type: 'change' });
  }

  private scenarioArm(): ScenarioState | undefined {
    return this.scenario?.arms[this.scenario.shown];
  }

  /** Replays `t` (clamped to the present); playing on at `speed` when given. In a scenario, shows simulated instant `t`. */
  async seek(t: number, options: { play?: boolean; speed?: number } = {}): Promise<void> {
    if (this.mode === 'scenario') {
      for (const a of Object.values(this.scenario!.arms)) a.seekTime(t);
      if (options.speed !== undefined) this.speed = nearestSpeed(options.speed);
      if (options.play !== undefined) this.playing = options.play;
      this.lastWall = performance.now();
      this.dispatchEvent({ type: 'change' });
      this.run();
      return;
    }
    if (!this.available) {
      this.notice = 'no replay: this gateway keeps no history (it has no InfluxDB)';
      this.dispatchEvent({ type: 'change' });
      return;
    }
    if (options.speed !== undefined) this.speed = nearestSpeed(options.speed);
    const to = Math.min(t, this.live.serverNow() - 1000);
    this.mode = 'replay';
    document.body.classList.add('replay');
    if (options.play !== undefined) this.playing = options.play;
    this.stalled = false;
    this.dispatchEvent({ type: 'change' });
    await this.replay.seek(to, this.speed);
    // Shown now; playing starts with the window after it, not with a stall.
    if (this.playing) await this.replay.firstWindow;
    this.lastWall = performance.now();
    this.lastRefresh = this.lastWall;
    this.run();
  }

  play(speed = this.speed): void {
    this.speed = nearestSpeed(speed);
    if (this.mode === 'live') return;
    this.playing = true;
    if (this.mode === 'scenario') {
      this.lastWall = performance.now();
      this.dispatchEvent({ type: 'change' });
      this.run();
      return;
    }
    this.dispatchEvent({ type: 'change' });
    // Pressed just after a seek, it starts once the window after the instant is in: a later
    // start, not a playhead that stops (a stall) a moment after it began.
    void this.replay.firstWindow.then(() => {
      if (!this.playing || this.mode !== 'replay') return;
      this.lastWall = performance.now();
      this.run();
    });
  }

  pause(): void {
    this.playing = false;
    this.dispatchEvent({ type: 'change' });
  }

  goLive(): void {
    this.mode = 'live';
    this.playing = false;
    this.scenario = undefined;
    this.replay.stop();
    document.body.classList.remove('replay', 'scenario');
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    this.frame = undefined;
    this.dispatchEvent({ type: 'change' });
  }

  dispose(): void {
    this.goLive();
  }

  private run(): void {
    if (this.frame === undefined && this.mode !== 'live' && this.playing) this.frame = requestAnimationFrame(this.step);
  }

  private readonly step = (wall: number) => {
    this.frame = undefined;
    if (this.mode === 'scenario') return this.stepScenario(wall);
    if (this.mode !== 'replay' || !this.playing) return;
    const dt = Math.min(1000, Math.max(0, wall - this.lastWall));
    this.lastWall = wall;
    const target = this.replay.now() + dt * this.speed;
    if (this.loop && target >= this.loop.to) {
      const span = this.loop.to - this.loop.from;
      this.loop.to = this.live.serverNow();
      this.loop.from = this.loop.to - span;
      void this.seek(this.loop.from);
      return;
    }
    if (target >= this.live.serverNow() - 1000) {
      this.goLive();
      return;
    }
    if (this.replay.ready) {
      const kept = this.replay.advance(target, this.speed);
      if (!kept) {
        this.stalledMs += dt;
        if (!this.stalled) this.stalls++;
      }
      this.stalled = !kept;
      this.dispatchEvent({ type: 'tick' });
    }
    if (wall - this.lastRefresh > REFRESH_MS) {
      this.lastRefresh = wall;
      void this.replay.refresh();
    }
    this.run();
  };

  private stepScenario(wall: number): void {
    if (!this.playing || !this.scenario) return;
    const dt = Math.min(1000, Math.max(0, wall - this.lastWall));
    this.lastWall = wall;
    const shown = this.scenarioArm()!;
    const next = shown.seconds + (dt / 1000) * this.speed;
    for (const a of Object.values(this.scenario.arms)) a.seek(next);
    this.dispatchEvent({ type: 'tick' });
    // The end of the simulated window: the playhead stays there, paused.
    if (next >= shown.toSeconds) return this.pause();
    this.run();
  }
}

function nearestSpeed(s: number): number {
  if (!Number.isFinite(s) || s <= 0) return 1;
  return Math.min(3600, Math.max(1, Math.round(s)));
}
