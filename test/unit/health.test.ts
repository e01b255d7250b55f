// /healthz from the pipeline's figures: each sink reports its own last error.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayFigures, SinkHealth } from '../../gateway/src/core/gateway-api.ts';
import { Telemetry } from '../../gateway/src/core/telemetry.ts';
import { health } from '../../gateway/src/http/health.ts';

function figures(telemetry: Telemetry, sinks: SinkHealth[]): GatewayFigures {
  return { telemetry, sourceStates: () => [{ name: 'mqtt', state: 'connected' }], sinkHealth: () => sinks, uptimeSeconds: () => 12 };
}

describe('health report', () => {
  it('names the failing sink only, with its own error, and clears it once that sink writes again', () => {
    const telemetry = new Telemetry(pino({ level: 'silent' }));
    const sinks: SinkHealth[] = [
      { name: 'influxdb', bufferedPoints: 3, spool: { points: 3, bytes: 120 }, oldestUnsentAt: undefined },
      { name: 'archive', bufferedPoints: 0, spool: undefined, oldestUnsentAt: undefined },
    ];
    telemetry.pointsWritten('archive', 10, 0.01);
    telemetry.writeFailed('influxdb', new Error('connection refused'), true, 500);
    let report = health(figures(telemetry, sinks));
    expect(report.status).toBe('degraded');
    expect(report.problems).toEqual(['sink influxdb failing: connection refused']);
    expect(report.sinks.influxdb!.lastError).toBe('connection refused');
    expect(report.sinks.archive!.lastError).toBeNull();
    expect(report.sinks.archive!.lastWriteAt).not.toBeNull();
    expect(report.sinks.influxdb!.spool).toEqual({ points: 3, bytes: 120 });

    telemetry.pointsWritten('influxdb', 3, 0.01);
    report = health(figures(telemetry, sinks));
    expect(report.status).toBe('ok');
    expect(report.sinks.influxdb!.lastError).toBeNull();
  });

  it('reports a backlog older than a minute as a problem of that sink', () => {
    const telemetry = new Telemetry(pino({ level: 'silent' }));
    const now = Date.now();
    const report = health(figures(telemetry, [{ name: 'influxdb', bufferedPoints: 5, spool: undefined, oldestUnsentAt: now - 90_000 }]), now);
    expect(report.problems).toEqual(['sink influxdb: oldest unsent point is 90 s old']);
    expect(report.uptimeSeconds).toBe(12);
  });
});
