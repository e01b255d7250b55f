import { describe, expect, it } from 'vitest';
import type { OpcUaChange } from '../../gateway/src/core/reading.ts';
import { normalizeOpcUa } from '../../gateway/src/normalize/normalize-opcua.ts';
import { testSite } from '../support/fixtures.ts';

const site = testSite([{ id: 'arm', profile: 'robotics-arm', opcua: { endpoint: 'opc.tcp://127.0.0.1:4840' } }]);
const device = site.devices[0]!;
const binding = device.profileDef.opcua!;
const GOOD = { name: 'Good', good: true, bad: false };
const T = Date.UTC(2026, 10, 28, 12);
const change = (signal: string, value: unknown, extra: Partial<OpcUaChange> = {}): OpcUaChange => ({ device, signal, value, status: GOOD, sourceTime: T, serverTime: T + 5, ...extra });

describe('OPC UA normaliser', () => {
  it('makes one reading per source timestamp, with typed values', () => {
    const { readings, rejects } = normalizeOpcUa(
      [change('axis1_position', 12.5), change('axis2_position', -3), change('cycle_count', 41), change('axis1_position', 13, { sourceTime: T + 50 })],
      binding,
      T + 100,
    );
    expect(rejects).toEqual([]);
    expect(readings.map((r) => [r.time, r.values])).toEqual([
      [T, { axis1_position: 12.5, axis2_position: -3, cycle_count: 41 }],
      [T + 50, { axis1_position: 13 }],
    ]);
    expect(readings[0]!.gatewayClock).toBe(false);
  });

  it('falls back from source to server to the gateway clock', () => {
    const r1 = normalizeOpcUa([change('axis1_position', 1, { sourceTime: undefined })], binding, T + 100).readings[0]!;
    expect(r1.time).toBe(T + 5);
    const r2 = normalizeOpcUa([change('axis1_position', 1, { sourceTime: undefined, serverTime: undefined })], binding, T + 100).readings[0]!;
    expect([r2.time, r2.gatewayClock]).toEqual([T + 100, true]);
  });

  it('maps enumerations, localized text and 64-bit integers', () => {
    const { readings, rejects } = normalizeOpcUa(
      [change('operational_mode', 3), change('item_state', { text: 'Executing', locale: 'en' }), change('cycle_count', [0, 7]), change('cycle_count', [1, 5], { sourceTime: T + 1 })],
      binding,
      T,
    );
    expect(readings[0]!.values).toEqual({ operational_mode: '3', item_state: 'Executing', cycle_count: 7 });
    // [high, low] = 2^32 + 5 is beyond the profile's UInt32 range: read, then refused.
    expect(rejects.map((r) => r.message)).toEqual(['cycle_count: 4294967301 is outside [0, 4294967295]']);
  });

  it('flattens arrays and structures into named fields', () => {
    const { readings, rejects } = normalizeOpcUa([change('joint_torque', new Float64Array([1, 2, 3, 4, 5, 6])), change('tcp', { x: 100.5, y: -20, z: 800 })], binding, T);
    expect(rejects).toEqual([]);
    expect(readings[0]!.values).toEqual({
      joint_torque_a1: 1, joint_torque_a2: 2, joint_torque_a3: 3, joint_torque_a4: 4, joint_torque_a5: 5, joint_torque_a6: 6,
      tcp_x: 100.5, tcp_y: -20, tcp_z: 800,
    });
    expect(device.profileDef.signals.joint_torque!.store).toBe(false);
    expect(device.profileDef.signals.tcp_z!.unit).toBe('mm');
  });

  it('refuses bad values, keeps uncertain ones and says so', () => {
    const { readings, rejects } = normalizeOpcUa(
      [
        change('axis1_position', 0, { status: { name: 'BadSensorFailure', good: false, bad: true } }),
        change('axis2_position', 7, { status: { name: 'UncertainLastUsableValue', good: false, bad: false } }),
        change('axis3_position', 'fast'),
        change('axis4_position', 9999),
      ],
      binding,
      T,
    );
    expect(rejects.map((r) => `${r.signal}:${r.reason}`)).toEqual(['axis1_position:bad_quality', 'axis3_position:wrong_type', 'axis4_position:out_of_range']);
    expect(readings[0]!.values).toEqual({ axis2_position: 7, quality: 'axis2_position: UncertainLastUsableValue' });
  });
});
