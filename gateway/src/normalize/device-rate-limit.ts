// A device that floods (a firmware loop, a replayed capture) must not crowd out the
// others: beyond a per-device rate its messages are rejected and counted. Fixed
// one-second windows: one Map lookup and two compares per message.
export class DeviceRateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly perSecond: number) {}

  /** Whether one more message from `device` at `now` (ms) is within its rate. */
  allow(device: string, now: number): boolean {
    let w = this.windows.get(device);
    if (!w) this.windows.set(device, (w = { start: now, count: 0 }));
    if (now - w.start >= 1000) {
      w.start = now;
      w.count = 0;
    }
    return ++w.count <= this.perSecond;
  }
}
