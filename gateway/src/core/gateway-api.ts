// The narrow interface the HTTP layer (and later the auth, history and experiment routes)
// uses: the reads and commands a person or a script may ask for, and the figures /healthz
// reports. The runtime implements it; http/ depends on this file, never on the runtime.
import type { SiteModel } from '../../../device-profiles/schema/load.ts';
import type { AuditTrail } from '../auth/audit-trail.ts';
import type { AuthStore } from '../auth/auth-store.ts';
import type { OriginPolicy } from '../auth/origin.ts';
import type { VisitorView } from '../auth/visitor-view.ts';
import type { ExperimentsApi } from './experiments.ts';
import type { HistoryReads } from './history.ts';
import type { AlarmInstance, DeviceSnapshot, MachineStateView, SeriesStart, SeriesSummary } from './insight.ts';
import type { SourceState } from './source.ts';
import type { Telemetry } from './telemetry.ts';

/** Reads: each returns data as of the call, and never changes anything. */
export interface GatewayReads {
  readonly site: SiteModel;
  /** Latest values of every device. */
  listDevices(): readonly DeviceSnapshot[];
  listMachineStates(): readonly MachineStateView[];
  /** Active alarms and cleared ones not yet acknowledged, newest first. */
  listAlarms(): readonly AlarmInstance[];
  listSeries(): readonly SeriesSummary[];
  getSeries(id: string): SeriesSummary | undefined;
}

/**
 * Commands: each is stored like any event and pushed to viewers before it returns. A command
 * that does not fit throws a FieldlabError (core/errors.ts) whose kind says why.
 */
export interface GatewayCommands {
  startSeries(input: SeriesStart): SeriesSummary;
  stopSeries(id: string): SeriesSummary;
  /** A planned stop (break, changeover) begins on a running series. */
  pauseSeries(id: string, reason: string): SeriesSummary;
  resumeSeries(id: string): SeriesSummary;
  /** Undefined when no such alarm waits for acknowledgement. */
  acknowledgeAlarm(device: string, alarm: string, by: string): AlarmInstance | undefined;
}

/** One sink as /healthz reports it: its own backlog and its own last error. */
export interface SinkHealth {
  readonly name: string;
  /** Points not yet confirmed by the sink (memory, disk, in flight). */
  readonly bufferedPoints: number;
  readonly spool: { readonly points: number; readonly bytes: number } | undefined;
  /** ms since the epoch; undefined when nothing waits. */
  readonly oldestUnsentAt: number | undefined;
}

/** What /healthz and /metrics are computed from. */
export interface GatewayFigures {
  readonly telemetry: Telemetry;
  sourceStates(): readonly { readonly name: string; readonly state: SourceState }[];
  sinkHealth(): readonly SinkHealth[];
  uptimeSeconds(): number;
}

/** The shop floor's reads and commands. */
export type ShopFloorApi = GatewayReads & GatewayCommands;

/** Everything the HTTP server is given: the shop floor, the pipeline's figures, and history and experiments where InfluxDB is there. */
export interface GatewayApi {
  readonly shopFloor: ShopFloorApi;
  readonly figures: GatewayFigures;
  readonly history?: HistoryReads | undefined;
  readonly experiments?: ExperimentsApi | undefined;
  /** Who is asking, what they may do, what visitors are not sent, and the audit trail. */
  readonly auth: { readonly store: AuthStore; readonly audit: AuditTrail; readonly visitors: VisitorView; readonly origins: OriginPolicy };
}
