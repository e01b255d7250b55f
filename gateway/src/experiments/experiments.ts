// The experiments service: checks a scenario at the edge, reads the line's record, keeps the
// experiment in the store and runs experiments one at a time, in submission order, each in
// a worker thread. A gateway that stops mid-run leaves the experiment `running` on disk; the
// next start runs it again from the same record (results are reproducible).
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import { FieldlabError } from '../core/errors.ts';
import type { ExperimentDetail, ExperimentsApi, ExperimentSummary, ExperimentTrace, TraceQuery } from '../core/experiments.ts';
import type { ExperimentEngine } from './engine.ts';
import { runInWorker, type RunHandle } from './experiment-runner.ts';
import { ExperimentStore, isExperimentId, type StoredExperiment } from './experiment-store.ts';
import { engineTraceRequest, traceAnswer } from './experiment-trace.ts';
import type { CalibrationWindow, RecordReader } from './recorded-from-influx.ts';

export interface ExperimentsOptions {
  readonly site: SiteModel;
  readonly engine: ExperimentEngine;
  /** Where experiments are kept (a folder of the gateway's own). */
  readonly dir: string;
  readonly readRecord: RecordReader;
  readonly log: Logger;
  /** Finished experiments kept at most; older ones are removed (default 200). */
  readonly keep?: number;
  readonly now?: () => number;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const Time = z.union([z.number().int().nonnegative(), z.string().regex(ISO, 'expected an ISO 8601 time with its zone (2026-11-30T14:32:00Z)'), z.date()]);
/** What the gateway itself reads of a scenario, whatever else the engine's schema holds. */
const Request = z.looseObject({ line: z.string().min(1).max(200), calibration: z.looseObject({ from: Time.optional(), to: Time.optional() }).optional() });

const ms = (t: z.infer<typeof Time> | undefined) => (t === undefined ? undefined : typeof t === 'number' ? t : t instanceof Date ? t.getTime() : Date.parse(t));

/** Traces run at once at most: each is a worker thread of its own, beside the experiment's. */
const MAX_TRACES = 2;
/** Traces waiting for a turn at most; beyond, a request is refused (503) to ask again. */
const MAX_WAITING_TRACES = 8;
/** Answers kept: a trace of a finished experiment is the same every time (a viewer's Play, a shared link). */
const KEPT_TRACES = 8;

/** In memory: a finished experiment without its record and result (they stay on disk). */
type Held = Omit<StoredExperiment, 'recorded' | 'result'> & { readonly recorded: StoredExperiment['recorded'] | null; readonly result: unknown };

export class Experiments implements ExperimentsApi {
  private readonly store: ExperimentStore;
  private readonly all = new Map<string, Held>();
  private readonly now: () => number;
  private running: { id: string; handle: RunHandle } | undefined;
  private closed = false;
  private pumping: Promise<void> = Promise.resolve();
  private readonly traces = new Set<RunHandle>();
  private activeTraces = 0;
  /** Traces run in a worker so far (a kept answer runs none). */
  tracesRun = 0;
  private readonly waitingTraces: (() => void)[] = [];
  private readonly traceAnswers = new Map<string, Promise<ExperimentTrace | undefined>>();

  constructor(private readonly options: ExperimentsOptions) {
    this.store = new ExperimentStore(options.dir);
    this.now = options.now ?? Date.now;
  }

  /** Reads the kept experiments and goes on with the unfinished ones. Called once, before any other call. */
  open(): void {
    for (const e of this.store.loadAll((file, why) => this.options.log.warn({ file }, `experiments: ${file} is skipped: ${why}`))) {
      // Interrupted by a stop: run again, from the same record.
      if (e.status === 'running') this.all.set(e.id, { ...e, status: 'queued', progress: 0, startedAt: null });
      else this.all.set(e.id, e.status === 'queued' ? e : { ...e, recorded: null, result: null });
    }
    this.pump();
  }

  async submit(body: unknown): Promise<ExperimentSummary> {
    this.assertOpen();
    const scenario = this.options.engine.parse(body, this.options.site);
    const req = Request.safeParse(scenario);
    if (!req.success) throw new FieldlabError('FL_SCENARIO_INVALID', { problems: req.error.issues.map((i) => `${i.path.join('.') || 'scenario'}: ${i.message}`).join('; ') });
    const window: CalibrationWindow = { from: ms(req.data.calibration?.from), to: ms(req.data.calibration?.to) };
    const recorded = await this.options.readRecord(req.data.line, window, this.now());
    const at = this.now();
    const stamp = new Date(at).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    const e: StoredExperiment = {
      id: `${stamp}-${randomBytes(3).toString('hex')}`,
      status: 'queued',
      progress: 0,
      line: recorded.line,
      createdAt: new Date(at).toISOString(),
      startedAt: null,
      finishedAt: null,
      calibration: { from: recorded.from, to: recorded.to, series: recorded.series, hash: createHash('sha256').update(JSON.stringify(recorded)).digest('hex') },
      error: null,
      scenario,
      recorded,
      result: null,
    };
    this.all.set(e.id, e);
    await this.store.save(e);
    this.options.log.info({ experiment: e.id, line: e.line }, `experiment ${e.id} queued on line ${e.line}`);
    this.pump();
    return summaryOf(e);
  }

  async get(id: string): Promise<ExperimentDetail | undefined> {
    const e = this.all.get(id);
    if (!e) return undefined;
    // The result of a finished one lives on disk only; the latest status is the one in memory.
    const result = e.status === 'done' ? ((await this.store.read(id))?.result ?? null) : null;
    return { ...summaryOf(e), scenario: e.scenario, result };
  }

  list(): readonly ExperimentSummary[] {
    return [...this.all.values()].sort((a, b) => (a.createdAt === b.createdAt ? b.id.localeCompare(a.id) : b.createdAt.localeCompare(a.createdAt))).map(summaryOf);
  }

  async cancel(id: string): Promise<ExperimentSummary | undefined> {
    const e = isExperimentId(id) ? this.all.get(id) : undefined;
    if (!e) return undefined;
    if (e.status !== 'queued' && e.status !== 'running') throw new FieldlabError('FL_EXPERIMENT_FINISHED', { id, status: e.status });
    const cancelled = this.finish(e, { status: 'cancelled' });
    if (this.running?.id === id) await this.running.handle.stop();
    await this.store.save(cancelled);
    this.all.set(id, { ...cancelled, recorded: null });
    this.options.log.info({ experiment: id }, `experiment ${id} cancelled`);
    return summaryOf(cancelled);
  }

  /**
   * Traces re-calibrate from the record the experiment kept (calibration is pure and takes
   * milliseconds), rather than keeping the calibrated designs with every result: the stored
   * format stays as it is, experiments kept before traces existed can be traced, and the
   * designs cannot drift from the record they were made from.
   */
  async trace(id: string, query: TraceQuery): Promise<ExperimentTrace | undefined> {
    this.assertOpen();
    const e = isExperimentId(id) ? this.all.get(id) : undefined;
    if (!e) return undefined;
    if (e.status !== 'done') throw new FieldlabError('FL_EXPERIMENT_NOT_DONE', { id, status: e.status });
    const key = `${id} ${JSON.stringify(query)}`;
    const kept = this.traceAnswers.get(key);
    if (kept) {
      // Most recently asked last: the first is the one to forget.
      this.traceAnswers.delete(key);
      this.traceAnswers.set(key, kept);
      return kept;
    }
    if (this.waitingTraces.length >= MAX_WAITING_TRACES) throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: `${MAX_TRACES} traces are being run and ${MAX_WAITING_TRACES} wait; ask again in a moment` });
    const answer = this.runTrace(e, id, query);
    this.traceAnswers.set(key, answer);
    if (this.traceAnswers.size > KEPT_TRACES) this.traceAnswers.delete(this.traceAnswers.keys().next().value!);
    // A failure is not kept: the next ask tries again.
    answer.then((a) => a === undefined && this.traceAnswers.delete(key), () => this.traceAnswers.delete(key));
    return answer;
  }

  /** Runs one trace once one of the `MAX_TRACES` turns is free. */
  private async runTrace(e: Held, id: string, query: TraceQuery): Promise<ExperimentTrace | undefined> {
    while (this.activeTraces >= MAX_TRACES) await new Promise<void>((resolve) => this.waitingTraces.push(resolve));
    this.activeTraces++;
    try {
      return await this.traceNow(e, id, query);
    } finally {
      this.activeTraces--;
      this.waitingTraces.shift()?.();
    }
  }

  private async traceNow(e: Held, id: string, query: TraceQuery): Promise<ExperimentTrace | undefined> {
    this.assertOpen();
    const stored = await this.store.read(id);
    // Pruned while this call waited.
    if (!stored) return undefined;
    const handle = runInWorker({ module: this.options.engine.module.href, site: this.options.site, recorded: stored.recorded, scenario: stored.scenario, trace: engineTraceRequest(query) }, () => undefined);
    this.tracesRun++;
    this.traces.add(handle);
    const outcome = await handle.outcome.finally(() => this.traces.delete(handle));
    if (outcome.kind === 'done') return traceAnswer(e, outcome.result, (stored.result as { inputHash?: unknown } | null)?.inputHash);
    if (outcome.kind === 'stopped') throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: 'the gateway is stopping' });
    if (outcome.code === 'FL_TRACE_REQUEST') throw new FieldlabError('FL_TRACE_REQUEST', { problem: outcome.message });
    if (outcome.code === 'FL_EXPERIMENTS_UNAVAILABLE') throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: `this engine has no traces (${outcome.message})` });
    throw new FieldlabError('FL_EXPERIMENT_FAILED', { message: outcome.message });
  }

  /** Ends a running worker (the experiment stays `running` on disk, for the next start) and waits for the writes. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.traces].map((t) => t.stop()));
    await this.running?.handle.stop();
    await this.pumping;
    await this.store.flush();
  }

  private assertOpen(): void {
    if (this.closed) throw new FieldlabError('FL_EXPERIMENTS_UNAVAILABLE', { why: 'the gateway is stopping' });
  }

  /** Starts the oldest queued experiment when none runs. */
  private pump(): void {
    if (this.running || this.closed) return;
    const next = [...this.all.values()].filter((e) => e.status === 'queued').sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))[0];
    if (!next) return;
    const started = { ...next, recorded: next.recorded!, status: 'running' as const, startedAt: new Date(this.now()).toISOString() };
    this.all.set(started.id, started);
    const handle = runInWorker({ module: this.options.engine.module.href, site: this.options.site, recorded: started.recorded, scenario: started.scenario }, (f) => {
      const e = this.all.get(started.id);
      if (e?.status === 'running') this.all.set(e.id, { ...e, progress: f });
    });
    this.running = { id: started.id, handle };
    this.pumping = this.store.save(started).then(() => this.settle(started.id, handle), (err: Error) => this.options.log.error({ err }, `experiments: cannot write ${started.id}: ${err.message}`));
  }

  private async settle(id: string, handle: RunHandle): Promise<void> {
    const outcome = await handle.outcome;
    if (this.running?.handle === handle) this.running = undefined;
    const e = this.all.get(id);
    // Stopped: cancelled (already written) or the gateway is stopping (left running on disk).
    if (outcome.kind === 'stopped' || !e || e.status !== 'running') return this.pump();
    const done =
      outcome.kind === 'done'
        ? this.finish(e, { status: 'done', progress: 1, result: outcome.result })
        : this.finish(e, { status: 'failed', error: outcome.code ? { code: outcome.code, message: outcome.message } : { code: 'FL_EXPERIMENT_FAILED', message: new FieldlabError('FL_EXPERIMENT_FAILED', { message: outcome.message }).message } });
    if (done.status === 'failed') this.options.log.warn({ experiment: id }, `experiment ${id} failed: ${done.error?.message}`);
    else this.options.log.info({ experiment: id }, `experiment ${id} done`);
    await this.store.save(done).catch((err: Error) => this.options.log.error({ err }, `experiments: cannot write ${id}: ${err.message}`));
    this.all.set(id, { ...done, recorded: null, result: null });
    await this.prune();
    this.pump();
  }

  /** The finished experiment, as it is to be written (only unfinished ones, which still hold their record, finish). */
  private finish(e: Held, change: Partial<StoredExperiment>): StoredExperiment {
    const out: StoredExperiment = { ...e, recorded: e.recorded!, ...change, finishedAt: new Date(this.now()).toISOString() };
    this.all.set(e.id, out);
    return out;
  }

  private async prune(): Promise<void> {
    const finished = this.list().filter((e) => e.status !== 'queued' && e.status !== 'running');
    for (const old of finished.slice(this.options.keep ?? 200)) {
      this.all.delete(old.id);
      await this.store.remove(old.id);
    }
  }
}

function summaryOf(e: Held): ExperimentSummary {
  const { id, status, progress, line, createdAt, startedAt, finishedAt, calibration, error } = e;
  // The scenario as the engine's schema parsed it; its name is optional there.
  const named = (e.scenario as { name?: unknown } | null)?.name;
  return { id, name: typeof named === 'string' ? named : null, status, progress, line, createdAt, startedAt, finishedAt, calibration, error };
}
