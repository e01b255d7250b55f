// The live hub: pushes device state to viewers over socket.io. A client gets one snapshot
// on connect (and on subscribe), then only changes, coalesced per device and sent at most
// `rateHz` times a second, so a fast machine cannot flood a phone. A client whose socket
// backs up is skipped until it drains and then given the latest state as a snapshot:
// it never holds up the others or grows the gateway's memory.
import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { Counter, Gauge } from 'prom-client';
import type { SiteModel, DeviceModel } from '../../../../device-profiles/schema/load.ts';
import type { ClientToServerEvents, LiveChanges, LiveDevice, LiveFilter, LiveInsight, LiveSnapshot, ServerToClientEvents, SocketData } from '../../core/live-events.ts';
import type { Reading, Value } from '../../core/reading.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { DeviceSnapshot } from '../../core/insight.ts';

/** Where the hub reads every device's latest values, for snapshots. */
export interface DeviceValues {
  snapshot(): readonly DeviceSnapshot[];
}

export interface LiveHubOptions {
  /** Change messages per second per client at most (default 20). */
  readonly rateHz?: number;
  /** Packets waiting in a client's socket beyond which it is treated as slow (default 64). */
  readonly maxPendingPackets?: number;
  /** How many packets wait for a client (default: engine.io's write buffer); tests slow a client with it. */
  readonly pendingOf?: (socketId: string, conn: unknown) => number;
  /** The gateway answers the history API (viewers offer replay). */
  readonly history?: boolean;
}

// engine.io's queue of packets not yet written to a client: the measure of a slow one.
const writeBufferLength = (_id: string, conn: unknown) => (conn as { writeBuffer: unknown[] }).writeBuffer.length;

type LiveServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export class LiveHub {
  readonly rateHz: number;
  private readonly history: boolean;
  private readonly maxPending: number;
  private readonly pendingOf: (socketId: string, conn: unknown) => number;
  private io: LiveServer | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** device id → values changed since the last flush. */
  private pending = new Map<string, Record<string, Value>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly devices: Map<string, DeviceModel>;
  private readonly sent: Counter;
  private readonly resyncs: Counter;

  constructor(
    private readonly site: SiteModel,
    private readonly state: DeviceValues,
    private readonly telemetry: Telemetry,
    options: LiveHubOptions = {},
  ) {
    this.rateHz = options.rateHz ?? 20;
    this.history = options.history ?? false;
    this.maxPending = options.maxPendingPackets ?? 64;
    this.pendingOf = options.pendingOf ?? writeBufferLength;
    this.devices = new Map(site.devices.map((d) => [d.id, d]));
    const registers = [telemetry.registry];
    const hub = this;
    new Gauge({ name: 'fieldlab_live_clients', help: 'Connected viewers', registers, collect() { this.set(hub.io?.engine.clientsCount ?? 0); } });
    this.sent = new Counter({ name: 'fieldlab_live_messages_total', help: 'Change messages sent to viewers', registers });
    this.resyncs = new Counter({ name: 'fieldlab_live_resyncs_total', help: 'Times a slow viewer was skipped and later given a fresh snapshot', registers });
  }

  private insight: (() => LiveInsight) | undefined;
  private onAcknowledge: ((device: string, alarm: string, by: string) => void) | undefined;
  private insightDirty = false;

  /** Where machine states and alarms come from, and where a viewer's acknowledgement goes. */
  provideInsight(insight: () => LiveInsight, onAcknowledge: (device: string, alarm: string, by: string) => void): void {
    this.insight = insight;
    this.onAcknowledge = onAcknowledge;
  }

  /** States or alarms changed: every viewer gets them at the next tick. */
  insightChanged(): void {
    this.insightDirty = true;
  }

  attach(server: HttpServer): void {
    const io: LiveServer = new Server(server, { serveClient: false, cors: { origin: true } });
    this.io = io;
    io.on('connection', (socket) => {
      socket.data.filter = {};
      socket.data.needsSnapshot = false;
      this.join(socket, {});
      this.telemetry.log.debug({ client: socket.id }, 'viewer connected');
      socket.emit('snapshot', this.snapshot(socket.data.filter));
      if (this.insight) socket.emit('insight', this.insight());
      socket.on('acknowledge', (ack) => {
        if (typeof ack?.device !== 'string' || typeof ack.alarm !== 'string' || typeof ack.by !== 'string' || ack.by.trim() === '') return;
        this.onAcknowledge?.(ack.device, ack.alarm, ack.by.trim().slice(0, 100));
      });
      socket.on('subscribe', (filter) => {
        void socket.leave(filterKey(socket.data.filter));
        socket.data.filter = sanitize(filter);
        this.join(socket, socket.data.filter);
        socket.emit('snapshot', this.snapshot(socket.data.filter));
      });
    });
    this.timer = setInterval(() => this.flush(), 1000 / this.rateHz);
    this.timer.unref();
  }

  /** Viewers with the same filter share a room, so each change message is encoded once for all of them. */
  private readonly filters = new Map<string, LiveFilter>();

  private join(socket: { join(room: string): unknown }, filter: LiveFilter): void {
    const key = filterKey(filter);
    this.filters.set(key, filter);
    void socket.join(key);
  }

  /** From the pipeline: remembers what changed; sent on the next flush. */
  readonly onReading = (reading: Reading): void => {
    const id = reading.device.id;
    let changed = this.pending.get(id);
    if (!changed) this.pending.set(id, (changed = {}));
    Object.assign(changed, reading.values);
    this.lastSeen.set(id, reading.time);
  };

  /** Sends what changed since the last flush to every client that follows it. Called by the timer. */
  flush(): void {
    if (this.insightDirty && this.io && this.insight) {
      this.insightDirty = false;
      this.io.emit('insight', this.insight());
    }
    const io = this.io;
    if (!io || this.pending.size === 0) return;
    const pending = this.pending;
    this.pending = new Map();
    const t = Date.now();
    const skip: string[] = [];
    for (const socket of io.sockets.sockets.values()) {
      if (this.pendingOf(socket.id, socket.conn) > this.maxPending) {
        if (!socket.data.needsSnapshot) this.resyncs.inc();
        socket.data.needsSnapshot = true;
        skip.push(socket.id);
      } else if (socket.data.needsSnapshot) {
        socket.data.needsSnapshot = false;
        socket.emit('snapshot', this.snapshot(socket.data.filter));
        skip.push(socket.id);
      }
    }
    for (const [key, filter] of this.filters) {
      const room = io.sockets.adapter.rooms.get(key);
      if (!room || room.size === 0) {
        this.filters.delete(key);
        continue;
      }
      const message = this.changesFor(pending, filter, t);
      if (!message) continue;
      (skip.length > 0 ? io.to(key).except(skip) : io.to(key)).emit('changes', message);
      this.sent.inc(room.size);
    }
  }

  private changesFor(pending: Map<string, Record<string, Value>>, filter: LiveFilter, t: number): LiveChanges | null {
    const d: Record<string, { v: Record<string, Value>; s: number }> = {};
    let any = false;
    for (const [id, v] of pending) {
      if (!matches(this.devices.get(id)!, filter)) continue;
      d[id] = { v, s: this.lastSeen.get(id) ?? 0 };
      any = true;
    }
    return any ? { t, d } : null;
  }

  snapshot(filter: LiveFilter): LiveSnapshot {
    const states = new Map(this.state.snapshot().map((s) => [s.id, s]));
    const devices: LiveDevice[] = this.site.devices
      .filter((d) => matches(d, filter))
      .map((d) => {
        const p = d.profileDef;
        const s = states.get(d.id);
        return {
          id: d.id,
          name: d.name,
          kind: p.kind,
          profile: p.id,
          vendor: p.vendor,
          model: p.model,
          line: d.line,
          station: d.station,
          position: d.position,
          rotation: d.rotation,
          signals: Object.fromEntries(Object.entries(p.signals).map(([n, sig]) => [n, { type: sig.type, unit: sig.unit, range: sig.range, values: sig.values, description: sig.description }])),
          twin: p.twin ?? null,
          values: s?.values ?? {},
          lastSeen: s?.lastSeen ?? 0,
        };
      });
    return {
      site: { id: this.site.site.id, name: this.site.site.name, floor: this.site.site.floor },
      lines: this.site.lines,
      devices,
      serverTime: Date.now(),
      rateHz: this.rateHz,
      history: this.history,
    };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    // The HTTP server is closed by its owner; this ends the viewers' sockets.
    this.io?.disconnectSockets(true);
    this.io?.removeAllListeners();
  }
}

function matches(d: DeviceModel, f: LiveFilter): boolean {
  const byLine = f.lines && f.lines.length > 0;
  const byDevice = f.devices && f.devices.length > 0;
  if (!byLine && !byDevice) return true;
  return Boolean((byLine && f.lines!.includes(d.line)) || (byDevice && f.devices!.includes(d.id)));
}

function filterKey(f: LiveFilter): string {
  return `${[...(f.lines ?? [])].sort().join(',')}|${[...(f.devices ?? [])].sort().join(',')}`;
}

/** A filter from a client is untrusted input: keep only arrays of short strings. */
function sanitize(f: unknown): LiveFilter {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length < 200).slice(0, 1000) : undefined);
  const o = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
  return { lines: list(o.lines), devices: list(o.devices) };
}
