// The source contract (gateway/src/core/source.ts), written once and run against every
// source with a real server behind it. Each implementation supplies a harness: how to build
// the source, how to make its device publish, how to take its server away and back.
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RawMessage } from '../../gateway/src/core/reading.ts';
import type { Source, SourceState } from '../../gateway/src/core/source.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { eventually } from '../support/services.ts';

export interface SourceHarness {
  /** A new source for the harness's device, reporting to `telemetry`; not started. */
  build(telemetry: Telemetry): Source;
  /** Makes the device publish something the source should pass on (a robot's values change by themselves). */
  publish(): Promise<void>;
  /** Whether `message` carries what the device publishes. */
  fromDevice(message: RawMessage): boolean;
  /** Takes the server the device is reached through away; `startServer` brings it back at the same address. */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  close(): Promise<void>;
}

/** How long an absent message is waited for: long enough for a publish to arrive, short to keep the suite fast. */
const QUIET_MS = 600;

export function sourceContract(name: string, harness: () => Promise<SourceHarness>): void {
  describe(`source contract: ${name}`, () => {
    let h: SourceHarness;
    let serverUp = true;
    const running: Source[] = [];
    beforeAll(async () => {
      h = await harness();
    });
    afterEach(async () => {
      for (const s of running.splice(0)) await s.stop();
      if (!serverUp) await h.startServer();
      serverUp = true;
    });
    afterAll(async () => {
      await h?.close();
    });

    async function started() {
      const telemetry = new Telemetry(pino({ level: 'silent' }));
      const reported = vi.spyOn(telemetry, 'sourceState');
      const source = h.build(telemetry);
      const messages: RawMessage[] = [];
      running.push(source);
      await source.start((m) => messages.push(m));
      const fromDevice = () => messages.filter((m) => h.fromDevice(m)).length;
      const telemetryState = () => telemetry.counts.sources[source.name]?.state;
      const connected = async () => {
        await eventually(() => source.state() === 'connected' && telemetryState() === 'connected', 20_000, `${source.name} connected`);
      };
      /** Publishes until the device's data arrives: a fresh subscription may miss the first publish. */
      const flowing = async () => {
        const before = fromDevice();
        await eventually(
          async () => {
            await h.publish();
            return fromDevice() > before;
          },
          15_000,
          `data from the device through ${source.name}`,
        );
      };
      return { telemetry, reported, source, messages, fromDevice, telemetryState, connected, flowing };
    }

    const stopServer = async () => {
      serverUp = false;
      await h.stopServer();
    };
    const startServer = async () => {
      await h.startServer();
      serverUp = true;
    };

    it('reports starting, then connected, through Telemetry', async () => {
      const { source, reported, connected } = await started();
      await connected();
      const states = reported.mock.calls.filter(([s]) => s === source.name).map(([, state]) => state);
      expect(states[0]).toBe<SourceState>('starting');
      expect(states).toContain<SourceState>('connected');
      expect(states).not.toContain<SourceState>('stopped');
    });

    it('emits raw messages of its kind, named after it, for what the device publishes', async () => {
      const { source, messages, connected, flowing } = await started();
      const since = Date.now();
      await connected();
      await flowing();
      const m = messages.find((x) => h.fromDevice(x))!;
      expect(m.kind).toBe(source.kind);
      expect(m.source).toBe(source.name);
      expect(m.receivedAt).toBeGreaterThanOrEqual(since);
      expect(m.receivedAt).toBeLessThanOrEqual(Date.now());
    });

    it('reports disconnected when the server goes away, and connected again, with data flowing, when it is back', async () => {
      const { source, telemetry, telemetryState, connected, flowing } = await started();
      await connected();
      await stopServer();
      await eventually(() => source.state() === 'disconnected' && telemetryState() === 'disconnected', 15_000, `${source.name} disconnected`);
      expect(telemetry.counts.sources[source.name]!.reconnects).toBe(1);
      await startServer();
      await connected();
      await flowing();
    });

    it('starts without waiting for an absent server, and connects once it is there', async () => {
      await stopServer();
      const starting = Date.now();
      const { source, telemetryState, connected, flowing } = await started();
      expect(Date.now() - starting).toBeLessThan(2000);
      await eventually(() => source.state() === 'disconnected' && telemetryState() === 'disconnected', 15_000, `${source.name} disconnected`);
      await startServer();
      await connected();
      await flowing();
    });

    it('stops idempotently: a second stop is harmless and the state stays stopped', async () => {
      const { source, telemetryState, connected } = await started();
      await connected();
      await source.stop();
      await source.stop();
      expect(source.state()).toBe<SourceState>('stopped');
      expect(telemetryState()).toBe<SourceState>('stopped');
    });

    it('stops promptly while its server is away', async () => {
      const { source, telemetryState, connected } = await started();
      await connected();
      await stopServer();
      await eventually(() => source.state() === 'disconnected', 15_000, `${source.name} disconnected`);
      const stopping = Date.now();
      await source.stop();
      expect(Date.now() - stopping).toBeLessThan(5000);
      expect(source.state()).toBe<SourceState>('stopped');
      // Reconnect attempts would report 'starting' or 'connected' again once the server is back.
      await startServer();
      await new Promise((r) => setTimeout(r, QUIET_MS));
      expect(telemetryState()).toBe<SourceState>('stopped');
    });

    it('stops at any moment while connecting, and then reports and emits nothing but stopped', async () => {
      // Where a connection is in its making when stop comes depends on timing: try several moments.
      const tries = [];
      for (const delayMs of [0, 10, 30, 100, 200]) {
        const t = await started();
        await new Promise((r) => setTimeout(r, delayMs));
        const reportedBefore = t.reported.mock.calls.length;
        await t.source.stop();
        expect(t.source.state()).toBe<SourceState>('stopped');
        tries.push({ ...t, delayMs, reportedBefore, emittedBefore: t.messages.length });
      }
      await h.publish();
      await new Promise((r) => setTimeout(r, QUIET_MS));
      for (const t of tries) {
        const after = { delayMs: t.delayMs, reported: t.reported.mock.calls.slice(t.reportedBefore).map(([, state]) => state), emitted: t.messages.length - t.emittedBefore };
        expect(after).toEqual({ delayMs: t.delayMs, reported: ['stopped'], emitted: 0 });
        expect(t.telemetryState()).toBe<SourceState>('stopped');
      }
    });

    it('emits nothing after stop', async () => {
      const { source, messages, connected, flowing } = await started();
      await connected();
      await flowing();
      await source.stop();
      const count = messages.length;
      await h.publish();
      await new Promise((r) => setTimeout(r, QUIET_MS));
      expect(messages.length).toBe(count);
    });
  });
}
