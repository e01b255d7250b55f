// The live hub: pushes device state to viewers over socket.io. A client gets one snapshot
// on connect (and on subscribe), then only changes, coalesced per device and sent at most
// `rateHz` times a second, so a fast machine cannot flood a phone. A client whose socket
// backs up is skipped until it drains and then given the latest state as a snapshot:
// it never holds up the others or grows the gateway's memory.
//
// Who may connect and what each event needs is the rule table's (auth/rules.ts): the handshake
// authenticates (the login cookie, or a token in the socket.io `auth` payload, never the URL),
// a foreign Origin is refused, every event is checked again when it arrives, and a socket whose
// credential is revoked is disconnected. Visitors share their own rooms, whose messages leave
// out what the site hides from them.
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import fastifyCookie from '@fastify/cookie';
import { Counter, Gauge } from 'prom-client';
import type { SiteModel, DeviceModel } from '../../../../device-profiles/schema/load.ts';
import type { ClientToServerEvents, ShopFloorInsight, LiveChanges, LiveDevice, LiveFilter, LiveInsight, LiveSnapshot, ServerToClientEvents, SocketData } from '../../core/live-events.ts';
import type { Reading, Value } from '../../core/reading.ts';
import type { Telemetry } from '../../core/telemetry.ts';
import type { DeviceSnapshot } from '../../core/insight.ts';
import type { AuditTrail } from '../../auth/audit-trail.ts';
import { SESSION_COOKIE, seesVisitorView, type AuthStore, type Identity } from '../../auth/auth-store.ts';
import { sameOrigin, type OriginPolicy } from '../../auth/origin.ts';
import { satisfies } from '../../auth/roles.ts';
import { SOCKET_RULES } from '../../auth/rules.ts';
import type { VisitorView } from '../../auth/visitor-view.ts';

/** Who may connect, what they may send, what visitors are not sent. */
export interface LiveAccess {
  readonly store: AuthStore;
  readonly audit: AuditTrail;
  readonly visitors: VisitorView;
  readonly origins: OriginPolicy;
  readonly corsOrigins: readonly string[];
}

/** Refused events after which a socket is dropped. */
const MAX_REFUSALS = 20;

/** The two views a socket can get: everything, or what the site lets visitors see. */
type View = 'full' | 'visitor';
type FullInsight = ShopFloorInsight;
const viewOf = (identity: Identity): View => (seesVisitorView(identity) ? 'visitor' : 'full');

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
type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

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
    private readonly access: LiveAccess,
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

  private insight: (() => FullInsight) | undefined;
  private onAcknowledge: ((device: string, alarm: string, by: string) => boolean) | undefined;
  private insightDirty = false;

  /** Where machine states and alarms come from, and where a viewer's acknowledgement goes. */
  provideInsight(insight: () => FullInsight, onAcknowledge: (device: string, alarm: string, by: string) => boolean): void {
    this.insight = insight;
    this.onAcknowledge = onAcknowledge;
  }

  /** States or alarms changed: every viewer gets them at the next tick. */
  insightChanged(): void {
    this.insightDirty = true;
  }

  attach(server: HttpServer): void {
    const { origins, corsOrigins } = this.access;
    const io: LiveServer = new Server(server, {
      serveClient: false,
      // Closed unless configured: the viewer is served by this gateway, so it needs no CORS.
      ...(corsOrigins.length > 0 ? { cors: { origin: [...corsOrigins], credentials: false } } : {}),
      // Cross-site WebSocket hijacking: a page elsewhere would ride on the visitor's cookie.
      allowRequest: (req, done) => done(null, sameOrigin(origins, req.headers.origin, req.headers.host)),
    });
    this.io = io;
    io.use((socket, next) => {
      const identity = this.identify(socket);
      if (!identity?.role) return next(new Error('FL_AUTH_REQUIRED'));
      socket.data.identity = identity;
      next();
    });
    io.on('connection', (socket) => {
      socket.data.filter = {};
      socket.data.needsSnapshot = false;
      socket.data.view = viewOf(socket.data.identity);
      void socket.join(`view:${socket.data.view}`);
      this.join(socket, {});
      this.telemetry.log.debug({ client: socket.id, user: socket.data.identity.user, role: socket.data.identity.role }, 'viewer connected');
      socket.emit('snapshot', this.snapshot(socket.data.filter, socket.data.view));
      if (this.insight) socket.emit('insight', this.insightFor(socket.data.view));
      socket.on('acknowledge', (ack, reply) => {
        const answer = typeof reply === 'function' ? reply : () => {};
        const who = this.allowed(socket, 'acknowledge', answer);
        if (!who) return;
        if (typeof ack?.device !== 'string' || typeof ack.alarm !== 'string') return answer({ ok: false, code: 'FL_BAD_REQUEST' });
        // The logged-in user is who acknowledged, whatever name the message carries.
        const done = this.onAcknowledge?.(ack.device.slice(0, 200), ack.alarm.slice(0, 200), who.user ?? 'anonymous') ?? false;
        this.audit(socket, 'acknowledge', who, done ? 'ok' : 'failed', done ? 200 : 404, `${ack.device.slice(0, 100)}/${ack.alarm.slice(0, 100)}`);
        answer(done ? { ok: true } : { ok: false, code: 'FL_ALARM_NOT_PENDING' });
      });
      socket.on('subscribe', (filter) => {
        if (!this.allowed(socket, 'subscribe', () => {})) return;
        void socket.leave(roomKey(socket.data.view, socket.data.filter));
        socket.data.filter = sanitize(filter);
        this.join(socket, socket.data.filter);
        socket.emit('snapshot', this.snapshot(socket.data.filter, socket.data.view));
      });
    });
    // A removed user, a revoked token, a logout elsewhere: their sockets go at once.
    this.access.store.onChange(() => this.recheck());
    this.timer = setInterval(() => this.flush(), 1000 / this.rateHz);
    this.timer.unref();
    // Sessions also end by expiry, which no event announces.
    this.recheckTimer = setInterval(() => this.recheck(), 5000);
    this.recheckTimer.unref();
  }

  private recheckTimer: NodeJS.Timeout | undefined;

  /** The handshake's credential: a token in the `auth` payload, else the login cookie, else the anonymous visitor. */
  private identify(socket: LiveSocket): Identity | undefined {
    const token: unknown = socket.handshake.auth?.token;
    if (token !== undefined && typeof token !== 'string') return undefined;
    const header = socket.handshake.headers.cookie;
    return this.access.store.identify(token, header ? fastifyCookie.parse(header)[SESSION_COOKIE] : undefined);
  }

  /** The socket's identity now, when its rule allows the event; else answers the refusal. */
  private allowed(socket: LiveSocket, event: keyof ClientToServerEvents, answer: (r: { ok: false; code: string }) => void): Identity | undefined {
    const rule = SOCKET_RULES[event];
    const now = this.access.store.resolve(socket.data.identity.credential);
    if (!now) {
      answer({ ok: false, code: 'FL_AUTH_REQUIRED' });
      socket.disconnect(true);
      return undefined;
    }
    if (satisfies(now.role, rule.need)) return now;
    const anonymous = now.credential?.kind === 'anonymous';
    this.audit(socket, event, now, 'refused', anonymous ? 401 : 403, '');
    answer({ ok: false, code: anonymous ? 'FL_AUTH_REQUIRED' : 'FL_FORBIDDEN' });
    // A viewer is refused now and then (a stale button); a socket refused over and over is a script.
    socket.data.refusals = (socket.data.refusals ?? 0) + 1;
    if (socket.data.refusals >= MAX_REFUSALS) socket.disconnect(true);
    return undefined;
  }

  /** An audited event's entry, under its rule's audit name; events whose rule names none are not recorded. */
  private audit(socket: LiveSocket, event: keyof ClientToServerEvents, who: Identity, outcome: 'ok' | 'refused' | 'failed', status: number, target: string): void {
    const action = SOCKET_RULES[event].audit;
    if (action) this.access.audit.record({ action, outcome, user: who.user, role: who.role, address: socket.handshake.address, target: `socket ${event}${target ? ` ${target}` : ''}`, status });
  }

  /** Drops every socket whose credential no longer holds, or whose role changed (it reconnects to the view it now has). */
  private recheck(): void {
    if (!this.io) return;
    for (const socket of this.io.sockets.sockets.values()) {
      const now = this.access.store.resolve(socket.data.identity.credential);
      if (!now || now.role !== socket.data.identity.role) socket.disconnect(true);
    }
  }

  /** Viewers with the same filter and view share a room, so each change message is encoded once for all of them. */
  private readonly filters = new Map<string, { filter: LiveFilter; view: View }>();

  private join(socket: LiveSocket, filter: LiveFilter): void {
    const key = roomKey(socket.data.view, filter);
    this.filters.set(key, { filter, view: socket.data.view });
    void socket.join(key);
  }

  private insightFor(view: View): LiveInsight {
    // Whole for operators and above; a visitor's copy leaves out what the site hides.
    const insight = this.insight!();
    if (view === 'full' || !this.access.visitors.hidesAnything) return insight;
    return { ...insight, series: insight.series.map((s) => this.access.visitors.series(s)) };
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
      if (this.access.visitors.hidesAnything) {
        this.io.to('view:full').emit('insight', this.insightFor('full'));
        this.io.to('view:visitor').emit('insight', this.insightFor('visitor'));
      } else {
        this.io.emit('insight', this.insight());
      }
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
        socket.emit('snapshot', this.snapshot(socket.data.filter, socket.data.view));
        skip.push(socket.id);
      }
    }
    for (const [key, { filter, view }] of this.filters) {
      const room = io.sockets.adapter.rooms.get(key);
      if (!room || room.size === 0) {
        this.filters.delete(key);
        continue;
      }
      const message = this.changesFor(pending, filter, view, t);
      if (!message) continue;
      (skip.length > 0 ? io.to(key).except(skip) : io.to(key)).emit('changes', message);
      this.sent.inc(room.size);
    }
  }

  private changesFor(pending: Map<string, Record<string, Value>>, filter: LiveFilter, view: View, t: number): LiveChanges | null {
    const d: Record<string, { v: Record<string, Value>; s: number }> = {};
    let any = false;
    for (const [id, all] of pending) {
      if (!matches(this.devices.get(id)!, filter)) continue;
      const v = view === 'visitor' ? this.access.visitors.values(id, all) : all;
      if (v !== all && Object.keys(v).length === 0) continue;
      d[id] = { v, s: this.lastSeen.get(id) ?? 0 };
      any = true;
    }
    return any ? { t, d } : null;
  }

  snapshot(filter: LiveFilter, view: View = 'full'): LiveSnapshot {
    const hidden = (id: string) => (view === 'visitor' ? this.access.visitors.hiddenSignals(id) : undefined);
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
          signals: Object.fromEntries(
            Object.entries(p.signals)
              .filter(([n]) => !hidden(d.id)?.has(n))
              .map(([n, sig]) => [n, { type: sig.type, unit: sig.unit, range: sig.range, values: sig.values, description: sig.description }]),
          ),
          twin: p.twin ?? null,
          values: view === 'visitor' ? this.access.visitors.values(d.id, s?.values ?? {}) : (s?.values ?? {}),
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
    clearInterval(this.recheckTimer);
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

function roomKey(view: View, f: LiveFilter): string {
  return `${view}|${[...(f.lines ?? [])].sort().join(',')}|${[...(f.devices ?? [])].sort().join(',')}`;
}

/** A filter from a client is untrusted input: keep only arrays of short strings. */
function sanitize(f: unknown): LiveFilter {
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.length < 200).slice(0, 1000) : undefined);
  const o = (f && typeof f === 'object' ? f : {}) as Record<string, unknown>;
  return { lines: list(o.lines), devices: list(o.devices) };
}
