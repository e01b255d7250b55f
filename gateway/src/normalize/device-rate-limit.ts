// A device that floods (a firmware loop, a replayed capture) must not crowd out the
// others: beyond a per-device rate its messages are rejected and counted.
//
// A token bucket, not a fixed window: after the gateway was away, the broker hands over
// every message it held for it at once, a burst far above any device's rate. A fixed
// one-second window rejected that backlog, losing exactly what the persistent session
// kept. The bucket fills while a device is quiet (or the gateway is away) up to `burst`
// messages, so a backlog passes; a device that keeps flooding is held to its rate.
// One Map lookup and a few arithmetic operations per message.
export class DeviceRateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    private readonly perSecond: number,
    /** Messages a device may send beyond its rate before it is held to it. */
    private readonly burst: number = perSecond,
  ) {
    this.perMs = perSecond / 1000;
  }

  /** Whether one more message from `device` at `now` (ms) is within its rate. */
  allow(device: string, now: number): boolean {
    let b = this.buckets.get(device);
    if (!b) this.buckets.set(device, (b = { tokens: this.perSecond + this.burst, at: now }));
    // A clock step backwards refills nothing and takes nothing.
    const elapsed = Math.max(0, now - b.at);
    b.tokens = Math.min(this.perSecond + this.burst, b.tokens + elapsed * this.perMs);
    b.at = Math.max(b.at, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
