// Connects to the gateway's live hub and keeps the DeviceHistory current.
import { EventDispatcher } from 'three';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, LiveInsight, LiveSnapshot, ServerToClientEvents } from '../../../gateway/src/core/live-events.ts';
import { DeviceHistory } from './device-history.ts';
import type { ShownState } from './shown-state.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'refused';

export interface LiveClientEventMap {
  /** The socket is connected (again): who it is for may have changed (a gateway restart, a revoked session). */
  connect: {};
  /** The gateway refused the handshake: `code` is its error code ('FL_AUTH_REQUIRED': log in first). */
  refused: { code: string };
}

export class LiveClient extends EventDispatcher<LiveClientEventMap> implements ShownState {
  readonly mode = 'live';
  readonly history = new DeviceHistory();
  snapshot: LiveSnapshot | undefined;
  /** Machine states and alarms, as the gateway judges them. */
  insight: LiveInsight = { states: {}, alarms: [], series: [] };
  /** Bumped on every insight, so views redraw only when it changed. */
  insightVersion = 0;
  state: ConnectionState = 'connecting';
  /** Snapshots received: more than one means the viewer resynchronised (a reconnect, a resync). */
  snapshots = 0;
  /** Gateway clock minus ours, so data age is right on a phone whose clock is off. */
  clockOffset = 0;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly onSnapshot: ((s: LiveSnapshot) => void)[] = [];

  constructor(url?: string) {
    super();
    this.socket = url ? io(url) : io();
    this.socket.on('connect', () => {
      this.state = 'live';
      this.dispatchEvent({ type: 'connect' });
    });
    // A refusal by the gateway's handshake (not a lost connection): socket.io does not retry
    // it, and should not, until someone logs in and `reconnect` asks again.
    this.socket.on('connect_error', (e) => {
      if (this.socket.active) return;
      this.state = 'refused';
      this.dispatchEvent({ type: 'refused', code: e.message });
    });
    this.socket.on('disconnect', (reason) => {
      this.state = 'reconnecting';
      // socket.io retries by itself after a lost connection, but not when the server closed
      // the socket, as a gateway does when it stops for a restart: a kiosk must come back
      // without a person, so it asks again (with socket.io's own back-off from here on).
      if (reason === 'io server disconnect') this.socket.connect();
    });
    this.socket.on('snapshot', (s) => {
      this.snapshot = s;
      this.snapshots++;
      this.clockOffset = s.serverTime - Date.now();
      for (const d of s.devices) this.history.reset(d.id, d.values, d.lastSeen);
      for (const f of this.onSnapshot) f(s);
    });
    this.socket.on('insight', (i) => {
      this.insight = i;
      this.insightVersion++;
    });
    this.socket.on('changes', (m) => {
      for (const [id, c] of Object.entries(m.d)) this.history.add(id, c.s || m.t, c.v);
    });
  }

  /** The gateway signs the acknowledgement with the socket's user and answers whether it was done, or the code why not. */
  acknowledge(device: string, alarm: string, answered: (answer: { readonly ok: boolean; readonly code?: string }) => void): void {
    this.socket.emit('acknowledge', { device, alarm }, answered);
  }

  /**
   * A socket's role is fixed for its life at the gateway: after a login or logout a new one
   * (with the new session cookie) is needed to get that role's view; a snapshot follows.
   */
  reconnect(): void {
    this.socket.disconnect();
    this.socket.connect();
  }

  whenSnapshot(f: (s: LiveSnapshot) => void): void {
    this.onSnapshot.push(f);
    if (this.snapshot) f(this.snapshot);
  }

  serverNow(): number {
    return Date.now() + this.clockOffset;
  }

  now(): number {
    return this.serverNow();
  }
}
