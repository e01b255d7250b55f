// The fieldlab at a past instant, from the gateway's history API: a seek asks for the state
// at the instant and the first window after it; playback then moves the playhead through
// windows fetched ahead of it, never past what has arrived (a stall, counted, rather than a
// jump or a frozen value). Machine states and alarms follow the window's events exactly;
// series figures come with a fresh `at` now and then.
import { EventDispatcher } from 'three';
import type { HistoryChanges, TimelineMark } from '../../../gateway/src/core/history.ts';
import type { ShownInsight, ShownState } from '../live/shown-state.ts';
import type { HistoryApi } from './history-api.ts';
import { applyEvents, insightOf, samplesOf } from './history-answers.ts';
import { ReplayHistory } from './replay-history.ts';

/** How a speed is fetched: raw or in steps, and how much replayed time per request. */
export interface WindowPlan {
  readonly stepSeconds: number | undefined;
  readonly windowMs: number;
}

export function planFor(speed: number): WindowPlan {
  // About 30 states per device per second watched is as smooth as a scene needs; faster
  // than that, steps (last/min/max) keep the answers small.
  const stepSeconds = speed > 30 ? Math.max(1, Math.round(speed / 30)) : undefined;
  // A request covers ~8 s of watching (few requests, none long), from a minute to an hour.
  return { stepSeconds, windowMs: Math.min(3_600_000, Math.max(60_000, speed * 8_000)) };
}

/** Samples kept behind the playhead: the panel's charts look 90 s back. */
const KEEP_BEHIND_MS = 5 * 60_000;
/** A truncated window is fetched again in halves, down to this. */
const MIN_WINDOW_MS = 5_000;
const EMPTY: ShownInsight = { states: {}, alarms: [], series: [] };

export interface ReplayEventMap {
  /** A seek's first answers are in: the instant can be shown. */
  seeked: { t: number };
  /** The history API refused or did not answer. */
  error: { message: string };
}

export class Replay extends EventDispatcher<ReplayEventMap> implements ShownState {
  readonly mode = 'replay';
  readonly history = new ReplayHistory();
  insight: ShownInsight = EMPTY;
  insightVersion = 0;
  /** Replayed time fetched from the seek on, up to here. */
  loadedTo = 0;
  /** Whether a seek has landed: until then nothing is known. */
  ready = false;
  error: string | undefined;
  private events: TimelineMark[] = [];
  private base: ShownInsight = EMPTY;
  private baseT = 0;
  private applied = 0;
  private generation = 0;
  private fetching = false;
  /** Settles when the window after the last seek's instant is in (or failed, or a later seek took over). */
  firstWindow: Promise<void> = Promise.resolve();
  private plan: WindowPlan = planFor(1);

  /** `liveNow`: the gateway's clock, beyond which there is nothing to fetch. */
  constructor(
    readonly api: HistoryApi,
    private readonly liveNow: () => number,
  ) {
    super();
  }

  now(): number {
    return this.history.playhead;
  }

  /**
   * Shows the instant `t`: resolves once the state at `t` is in (or a later seek took over).
   * The first window after it is asked for only then, and not waited for: on two cores the
   * two queries at once slowed the one that shows the instant; playing waits for the window.
   */
  async seek(t: number, speed: number): Promise<void> {
    const generation = ++this.generation;
    this.plan = planFor(speed);
    this.fetching = true;
    // The old instant stays on show until the new one is in, but no longer plays.
    this.ready = false;
    try {
      const at = await this.api.at(t);
      if (generation !== this.generation) return;
      this.history.clear();
      const slack = at.tier === 'rollup' ? 60_000 : 0;
      for (const d of at.devices) if (d.values && d.time !== null) this.history.append(d.id, [{ t: d.time, v: d.values, slack }]);
      this.events = [];
      this.loadedTo = t;
      this.rebase(at.t, insightOf(at));
      this.history.playhead = t;
      this.error = undefined;
      this.ready = true;
      this.dispatchEvent({ type: 'seeked', t });
    } catch (err) {
      if (generation === this.generation) {
        this.fail(err);
        this.fetching = false;
      }
      return;
    }
    const to = Math.min(t + this.plan.windowMs, this.liveNow());
    this.firstWindow = this.landWindow(to > t ? this.fetchWindow(t, to, this.plan.stepSeconds) : Promise.resolve([]), generation);
  }

  /**
   * Moves the playhead forward to `t`, or as far as has arrived; returns false when it had
   * to stop short (a stall). Fetches ahead for the speed it plays at.
   */
  advance(t: number, speed: number): boolean {
    if (!this.ready) return false;
    this.plan = planFor(speed);
    const to = Math.min(t, this.loadedTo);
    if (to > this.history.playhead) {
      this.history.playhead = to;
      this.applyDue();
      this.history.trimBefore(to - KEEP_BEHIND_MS);
    }
    this.fetchAhead();
    return to >= t;
  }

  /** Fresh figures for the series (they change with every part, not with an event the window lists). */
  async refresh(): Promise<void> {
    const generation = this.generation;
    const t = this.history.playhead;
    try {
      const at = await this.api.at(t);
      if (generation === this.generation && this.ready) this.rebase(at.t, insightOf(at));
    } catch (err) {
      if (generation === this.generation) this.fail(err);
    }
  }

  /** Stops what is under way; a later seek starts afresh. */
  stop(): void {
    this.generation++;
    this.ready = false;
    this.fetching = false;
  }

  private fetchAhead(): void {
    if (this.fetching) return;
    const edge = this.liveNow();
    const gap = edge - this.loadedTo;
    const ahead = this.loadedTo - this.history.playhead;
    if (gap < 1 || ahead >= 2 * this.plan.windowMs) return;
    // Near the present there is little left to fetch and the present moves on: wait until
    // the playhead has used up what is here rather than ask for every few new seconds.
    if (gap < this.plan.windowMs / 16 && ahead > gap) return;
    const generation = this.generation;
    const from = this.loadedTo + 1;
    // After a speed change the lead is what the old plan fetched (a raw minute is one second
    // at 60×): a full window would arrive after the playhead got there. Twice the lead (at
    // least an eighth of a window) answers in time, and the lead doubles up to full windows.
    const lead = this.loadedTo - this.history.playhead;
    const span = Math.min(this.plan.windowMs, Math.max(this.plan.windowMs / 8, 2 * lead));
    const to = Math.min(from + span, edge);
    this.fetching = true;
    void this.landWindow(this.fetchWindow(from, to, this.plan.stepSeconds), generation);
  }

  /** Adds fetched windows unless a later seek took over, then asks for what comes next. */
  private landWindow(windows: Promise<HistoryChanges[]>, generation: number): Promise<void> {
    return windows
      .then((w) => {
        if (generation === this.generation) this.add(w);
      })
      .catch((err: unknown) => {
        if (generation === this.generation) this.fail(err);
      })
      .finally(() => {
        if (generation !== this.generation) return;
        this.fetching = false;
        this.fetchAhead();
      });
  }

  private async fetchWindow(from: number, to: number, step: number | undefined): Promise<HistoryChanges[]> {
    const c = await this.api.changes(from, to, step);
    if (!c.truncated || to - from <= MIN_WINDOW_MS) return [c];
    const mid = Math.floor(from + (to - from) / 2);
    return [...(await this.fetchWindow(from, mid, step)), ...(await this.fetchWindow(mid + 1, to, step))];
  }

  private add(windows: readonly HistoryChanges[]): void {
    for (const c of windows) {
      for (const d of c.devices) {
        this.history.setLookback(d.id, d.lookbackMs);
        this.history.append(d.id, samplesOf(d, c.step, this.history.latestBefore(d.id, c.from), c.to));
      }
      const newest = this.events.at(-1)?.t ?? -Infinity;
      for (const e of c.events) if (e.t > newest || (e.t === newest && !this.events.some((x) => sameMark(x, e)))) this.events.push(e);
      this.loadedTo = Math.max(this.loadedTo, c.to);
    }
    this.applyDue();
  }

  /** The insight at `t` is `insight`; the events after it are applied as the playhead passes them. */
  private rebase(t: number, insight: ShownInsight): void {
    this.base = insight;
    this.baseT = t;
    this.applied = this.events.findIndex((e) => e.t > t);
    if (this.applied < 0) this.applied = this.events.length;
    this.insight = this.base;
    this.insightVersion++;
    this.applyDue();
  }

  private applyDue(): void {
    const t = this.history.playhead;
    let end = this.applied;
    while (end < this.events.length && this.events[end]!.t <= t) end++;
    if (end === this.applied) return;
    this.insight = applyEvents(this.insight, this.events.slice(this.applied, end).filter((e) => e.t > this.baseT));
    this.applied = end;
    this.insightVersion++;
  }

  private fail(err: unknown): void {
    this.error = (err as Error).message;
    this.dispatchEvent({ type: 'error', message: this.error });
  }
}

function sameMark(a: TimelineMark, b: TimelineMark): boolean {
  return a.t === b.t && a.kind === b.kind && a.device === b.device && a.alarm === b.alarm;
}
