import { describe, expect, it } from 'vitest';
import { DeviceRateLimit } from '../../gateway/src/normalize/device-rate-limit.ts';

/** How many of `n` messages from `device`, spaced `gapMs` apart from `start`, are let through. */
function allowed(limit: DeviceRateLimit, device: string, n: number, start: number, gapMs: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (limit.allow(device, start + i * gapMs)) ok++;
  return ok;
}

describe('device rate limit', () => {
  it('lets a steady device under its rate through, however long it runs', () => {
    const limit = new DeviceRateLimit(100, 0);
    expect(allowed(limit, 'a', 60_000, 0, 12)).toBe(60_000); // 83 a second for 12 minutes
  });

  it("passes the backlog a broker hands over after an outage, within the device's burst", () => {
    // 50 a second, a gateway away for 60 s: 3,000 messages arrive within a tenth of a second.
    const limit = new DeviceRateLimit(100, 100 * 120);
    expect(allowed(limit, 'a', 1000, 0, 20)).toBe(1000);
    expect(allowed(limit, 'a', 3000, 80_000, 0.03)).toBe(3000);
    // Without a burst, the same backlog loses all but about a second's worth.
    const strict = new DeviceRateLimit(100, 0);
    expect(allowed(strict, 'a', 1000, 0, 20)).toBe(1000);
    expect(allowed(strict, 'a', 3000, 80_000, 0.03)).toBeLessThan(110);
  });

  it('holds a device that keeps flooding to its rate once its burst is spent, and leaves the others alone', () => {
    const limit = new DeviceRateLimit(100, 1000);
    // 10,000 a second for 10 s: the burst (and the first second's rate) once, then 100 a second.
    const ok = allowed(limit, 'flood', 100_000, 0, 0.1);
    expect(ok).toBeGreaterThanOrEqual(100 + 1000 + 10 * 100 - 2);
    expect(ok).toBeLessThanOrEqual(100 + 1000 + 10 * 100 + 2);
    expect(allowed(limit, 'other', 50, 5000, 20)).toBe(50);
  });

  it('neither refills nor breaks when the clock steps back', () => {
    const limit = new DeviceRateLimit(10, 0);
    expect(allowed(limit, 'a', 10, 100_000, 0)).toBe(10);
    expect(limit.allow('a', 50_000)).toBe(false);
    expect(limit.allow('a', 50_200)).toBe(false); // still before the last message seen
    expect(limit.allow('a', 100_200)).toBe(true);
  });
});
